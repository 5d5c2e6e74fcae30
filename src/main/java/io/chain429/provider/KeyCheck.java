package io.chain429.provider;

import io.chain429.config.Durations;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.provider.ProviderAdapter.ProbeResult;
import io.chain429.ratelimit.ProviderState;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every enabled provider's key with the provider's own probe ({@code GET /models}: no quota spent) once at
 * start-up and then every {@code keyCheckEvery}, so that a rejected key is found before a request meets it. An answer
 * that rejects the key (a 401/403, Gemini's 400 {@code API_KEY_INVALID}) disables the provider as a request's would,
 * and {@link KeyProbe} takes over from there; anything else (no answer, another status) is only reported: a provider
 * that is down or slow is the circuit breakers' business, not the key's.
 *
 * <p>Providers without a key (the demo, a local server) have nothing to check; a provider already disabled (its key
 * rejected, or an operator's decision) is left to whoever disabled it. Checks run one at a time on a single daemon
 * thread, {@value #THREAD_NAME}, each bounded by its provider's connect, first-byte and total timeouts.
 */
public final class KeyCheck implements AutoCloseable {

    static final String THREAD_NAME = "429chain-key-check";

    private static final Logger LOG = LoggerFactory.getLogger(KeyCheck.class);

    private final ProviderState state;
    private final ProviderRegistry providers;
    private final KeyProbe keyProbe;
    private final Duration every;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean started = new AtomicBoolean();

    /** @param every how long from the end of one round of checks to the start of the next; zero: no checks at all */
    public KeyCheck(ProviderState state, ProviderRegistry providers, KeyProbe keyProbe, Duration every) {
        if (every.isNegative()) {
            throw new IllegalArgumentException("need every >= 0, got " + every);
        }
        this.state = state;
        this.providers = providers;
        this.keyProbe = keyProbe;
        this.every = every;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts the first round now, in the background, and the next ones every {@code every}. Returns at once; once only. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        if (every.isZero()) {
            LOG.info("key checks are off (settings.keyCheckEvery: 0): a rejected key is found by the first request that uses it");
            return;
        }
        try {
            timer.scheduleWithFixedDelay(this::checkAll, 0, every.toNanos(), TimeUnit.NANOSECONDS);
            LOG.info("provider keys are checked with GET /models now and every {} (settings.keyCheckEvery)", Durations.format(every));
        } catch (RejectedExecutionException e) {
            // closed before it started: Camel stopped
        }
    }

    /** Stops the checks; one running now is interrupted. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One round: each provider in turn. Never throws, since a periodic task that throws is never run again. */
    void checkAll() {
        for (Provider provider : providers.all()) {
            if (Thread.currentThread().isInterrupted()) {
                return; // closing
            }
            try {
                check(provider);
            } catch (RuntimeException e) {
                LOG.warn("key check of provider {} failed unexpectedly; the other providers are checked", provider.id(), e);
            }
        }
    }

    private void check(Provider provider) {
        ProviderConfig config = provider.config();
        if (!config.enabled() || config.apiKey().isEmpty() || state.disabledReason(config.id()).isPresent()) {
            return;
        }
        String key = config.apiKey().get().masked();
        ProbeResult result;
        try {
            result = provider.adapter().probe(provider.client(), config);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closing
        } catch (Exception e) {
            LOG.warn("key check of provider {} could not reach it ({}); it stays enabled", config.id(), cause(e, config.timeouts()));
            return;
        }
        if (result.keyWorks()) {
            LOG.debug("key check of provider {}: its key {} works ({})", config.id(), key, result.detail());
        } else if (result.keyRejected()) {
            disable(config.id(), key, result.status());
        } else {
            LOG.warn("key check of provider {}: GET /models answered {}, which says nothing sure about its key {}; it stays enabled",
                    config.id(), result.detail(), key);
        }
    }

    /** What stands for the step in the provider's last failure, when the key check found its key rejected. */
    static final String KEY_CHECK = "(key check)";

    /** As a request's 401/403 does (see chain.RecordOutcome); whoever disabled it meanwhile keeps their reason. */
    private void disable(String providerId, String key, int status) {
        String reason = "the provider answered HTTP " + status + " to its API key (checked with GET /models)";
        state.disable(providerId, key, reason);
        if (!state.disabledReason(providerId).map(reason::equals).orElse(false)) {
            return; // an operator or a request disabled it first: theirs stands, and so does what they did about probing
        }
        keyProbe.disabled(providerId);
        state.recordFailure(new Step(providerId, KEY_CHECK), Reason.of(Reason.KEY_REJECTED, reason));
        LOG.warn("provider {} disabled: its API key {} was rejected (HTTP {} to GET /models). Check or replace the key"
                + " (and restart); until then its steps are skipped, and the key is tried again now and then: the provider"
                + " comes back by itself once it works", providerId, key, status);
    }

    /** Why a provider could not be reached, in words; never the exception's message, which may hold the URL. */
    static String cause(Throwable failure, Timeouts timeouts) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpConnectTimeoutException) {
                return "no connection within " + Durations.format(timeouts.connect());
            }
            if (cause instanceof HttpTimeoutException) {
                return "no answer within " + Durations.format(timeouts.firstByte());
            }
            if (cause instanceof UnknownHostException) {
                return "host not found";
            }
            if (cause instanceof ConnectException) {
                return "connection refused";
            }
            if (cause instanceof SSLException) {
                return "TLS handshake failed";
            }
        }
        return "connection failed (" + failure.getClass().getSimpleName() + ")";
    }
}
