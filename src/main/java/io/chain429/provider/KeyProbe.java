package io.chain429.provider;

import io.chain429.config.Secret;
import io.chain429.provider.ProviderAdapter.ProbeResult;
import io.chain429.ratelimit.ProviderState;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-enables a provider whose key was rejected (401/403) once the key works again. Each disabled provider gets one
 * chain of timers: a probe after {@code initialDelay}, then, while the probe fails, again after twice the previous
 * delay, capped at {@code maxDelay}. A probe that finds the key working enables the provider and ends the chain.
 * Nothing scans the state: a chain starts only when {@link #disabled(String)} is called.
 *
 * <p>One instance per process. Probes run one at a time on a single daemon thread, {@value #THREAD_NAME}; each is
 * bounded by its provider's connect and first-byte timeouts.
 */
public final class KeyProbe implements AutoCloseable {

    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofMinutes(1);
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofHours(1);
    static final String THREAD_NAME = "429chain-key-probe";

    private static final Logger LOG = LoggerFactory.getLogger(KeyProbe.class);

    private final ProviderState state;
    private final ProviderRegistry providers;
    private final Duration initialDelay;
    private final Duration maxDelay;
    private final ScheduledExecutorService timer;
    /** Providers with a chain of probes in progress (scheduled or running). */
    private final Set<String> probing = ConcurrentHashMap.newKeySet();

    public KeyProbe(ProviderState state, ProviderRegistry providers) {
        this(state, providers, DEFAULT_INITIAL_DELAY, DEFAULT_MAX_DELAY);
    }

    public KeyProbe(ProviderState state, ProviderRegistry providers, Duration initialDelay, Duration maxDelay) {
        if (initialDelay.isNegative() || initialDelay.isZero() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need 0 < initialDelay <= maxDelay, got " + initialDelay + " and " + maxDelay);
        }
        this.state = state;
        this.providers = providers;
        this.initialDelay = initialDelay;
        this.maxDelay = maxDelay;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts probing a provider that was just disabled (call it after {@link ProviderState#disable}), or at start-up
     * for each provider restored as disabled. Does nothing if a chain of probes is already in progress for it.
     */
    public void disabled(String providerId) {
        if (!probing.add(providerId)) {
            return;
        }
        if (!schedule(providerId, initialDelay)) {
            probing.remove(providerId);
        }
    }

    /** Whether a chain of probes is in progress for this provider. */
    public boolean probing(String providerId) {
        return probing.contains(providerId);
    }

    /** Stops every probe; a probe running now is interrupted. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** The delay after a failed probe that waited {@code previous}: doubled, capped at {@code max}. */
    static Duration nextDelay(Duration previous, Duration max) {
        Duration doubled = previous.compareTo(max) >= 0 ? max : previous.multipliedBy(2);
        return doubled.compareTo(max) > 0 ? max : doubled;
    }

    private boolean schedule(String providerId, Duration delay) {
        try {
            timer.schedule(() -> probe(providerId, delay), delay.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // closed
        }
    }

    private void probe(String providerId, Duration waited) {
        Optional<Provider> found = providers.find(providerId);
        if (found.isEmpty()) {
            LOG.warn("not probing provider {}: it is not configured", providerId);
            probing.remove(providerId);
            return;
        }
        if (state.disabledReason(providerId).isEmpty()) {
            LOG.debug("provider {} was enabled meanwhile: probe chain ends", providerId);
            probing.remove(providerId);
            return;
        }
        Provider provider = found.get();
        String key = provider.config().apiKey().map(Secret::masked).orElse("none");
        String failure;
        try {
            ProbeResult result = provider.adapter().probe(provider.client(), provider.config());
            if (result.keyWorks()) {
                // end the chain first, so that a provider disabled again right after starts a new one
                probing.remove(providerId);
                state.enable(providerId);
                LOG.info("provider {} re-enabled: its key {} works again ({})", providerId, key, result.detail());
                return;
            }
            failure = result.detail();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            probing.remove(providerId);
            return; // closing
        } catch (Exception e) {
            failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        Duration next = nextDelay(waited, maxDelay);
        LOG.debug("probe of provider {} with key {} failed ({}); next probe in {}", providerId, key, failure, next);
        if (!schedule(providerId, next)) {
            probing.remove(providerId);
        }
    }
}
