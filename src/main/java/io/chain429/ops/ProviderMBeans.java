package io.chain429.ops;

import io.chain429.config.ProviderConfig;
import io.chain429.provider.KeyProbe;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.StateSnapshot;
import io.chain429.ratelimit.StepBreakers;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one JMX MBean per provider and per quota key registered, for the Hawtio console (its Jolokia reads the
 * platform MBean server) and any JMX client:
 * <ul>
 *   <li>{@code io.chain429:type=Provider,name=<id>} ({@link ProviderView}), one per configured provider;
 *       {@link #providersChanged()} follows a live reload of the providers;</li>
 *   <li>{@code io.chain429:type=QuotaKey,provider=<id>,bucket=<bucket>} ({@link QuotaKeyView}), one per quota key
 *       the state knows (see {@link #refresh()}). A value with a character other than letters, digits, {@code -},
 *       {@code _} and {@code .} is quoted ({@link ObjectName#quote}): the account bucket is {@code bucket="\*"}, a
 *       model {@code bucket="meta-llama/llama-3.3-70b:free"} or {@code bucket=llama-3.1-8b}. {@link #quotaKeyName}
 *       builds the name; {@code ObjectName.unquote} reads the bucket back.</li>
 * </ul>
 * The views read the {@link ProviderState} on each call: nothing is copied, nothing goes stale.
 *
 * <p>Quota keys appear as traffic reaches new models: a daemon thread ({@value #THREAD_NAME}) re-runs
 * {@link #refresh()} every few seconds (5 by default). A console view may lag that much behind a new key; the values of
 * a registered key are always current.
 *
 * <p>{@link #start()} registers, {@link #close()} unregisters everything this instance registered. A name already
 * registered by someone else (another gateway in the same JVM) is left alone, with a warning.
 */
public final class ProviderMBeans implements AutoCloseable {

    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);
    static final String THREAD_NAME = "429chain-jmx-refresh";

    private static final Logger LOG = LoggerFactory.getLogger(ProviderMBeans.class);

    private final ProviderRegistry providers;
    private final ProviderState state;
    private final KeyProbe keyProbe;
    private final StepBreakers breakers;
    private final MBeanRegistrar registrar;
    private final Duration refreshEvery;

    private final Map<QuotaKey, ObjectName> quotaKeys = new LinkedHashMap<>();
    /** The configuration each registered provider MBean shows, by provider id. */
    private final Map<String, ProviderConfig> providerViews = new LinkedHashMap<>();
    private ScheduledExecutorService timer;
    private boolean started;

    /**
     * On the platform MBean server, refreshed every {@link #DEFAULT_REFRESH}.
     *
     * @param keyProbe the process's key probe, for {@code probeNow()}
     * @param breakers the steps' circuits, for their state and {@code closeCircuits()}
     */
    public ProviderMBeans(ProviderRegistry providers, ProviderState state, KeyProbe keyProbe, StepBreakers breakers) {
        this(providers, state, keyProbe, breakers, ManagementFactory.getPlatformMBeanServer(), DEFAULT_REFRESH);
    }

    /**
     * @param refreshEvery how often quota keys are (un)registered; zero or negative for never (call
     *                     {@link #refresh()} yourself)
     */
    public ProviderMBeans(ProviderRegistry providers, ProviderState state, KeyProbe keyProbe,
                          StepBreakers breakers, MBeanServer server, Duration refreshEvery) {
        this.providers = Objects.requireNonNull(providers, "providers");
        this.state = Objects.requireNonNull(state, "state");
        this.keyProbe = Objects.requireNonNull(keyProbe, "keyProbe");
        this.breakers = Objects.requireNonNull(breakers, "breakers");
        this.registrar = new MBeanRegistrar(Objects.requireNonNull(server, "server"));
        this.refreshEvery = Objects.requireNonNull(refreshEvery, "refreshEvery");
    }

    /** {@code io.chain429:type=Provider,name=<id>}. */
    public static ObjectName providerName(String providerId) {
        return MBeanRegistrar.name("type=Provider,name=" + MBeanRegistrar.value(providerId));
    }

    /** {@code io.chain429:type=QuotaKey,provider=<id>,bucket=<bucket>}, values quoted when they need it. */
    public static ObjectName quotaKeyName(QuotaKey key) {
        return MBeanRegistrar.name("type=QuotaKey,provider=" + MBeanRegistrar.value(key.providerId())
                + ",bucket=" + MBeanRegistrar.value(key.bucket()));
    }

    /** Registers one MBean per provider and per quota key known now, then refreshes in the background. */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("provider MBeans already started");
        }
        started = true;
        providersChanged();
        if (!refreshEvery.isZero() && !refreshEvery.isNegative()) {
            timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, THREAD_NAME);
                thread.setDaemon(true);
                return thread;
            });
            long every = refreshEvery.toMillis();
            timer.scheduleWithFixedDelay(this::refreshQuietly, every, every, TimeUnit.MILLISECONDS);
        }
        LOG.info("JMX: {} provider MBean(s) and {} quota key MBean(s) under {}:*", providers.all().size(),
                quotaKeys.size(), MBeanRegistrar.DOMAIN);
    }

    /**
     * Makes the provider MBeans match the providers now configured: a removed provider's MBean (and its quota keys')
     * goes away, an added provider's appears, a changed provider's shows its new configuration. Does nothing before
     * {@link #start()} or after {@link #close()}.
     */
    public synchronized void providersChanged() {
        if (!started) {
            return;
        }
        Map<String, ProviderConfig> current = new LinkedHashMap<>();
        providers.all().forEach(provider -> current.put(provider.id(), provider.config()));
        providerViews.entrySet().removeIf(view -> {
            if (view.getValue().equals(current.get(view.getKey()))) {
                return false;
            }
            registrar.unregister(providerName(view.getKey()));
            return true;
        });
        current.forEach((id, config) -> {
            if (!providerViews.containsKey(id)
                    && registrar.register(providerName(id), new ProviderView(config, state, keyProbe, breakers).mbean())) {
                providerViews.put(id, config);
            }
        });
        refresh();
    }

    /**
     * (Un)registers quota key MBeans to match the keys of {@link ProviderState#snapshot()} whose provider is
     * configured. Does nothing before {@link #start()} or after {@link #close()}.
     */
    public synchronized void refresh() {
        if (!started) {
            return;
        }
        Set<QuotaKey> current = new HashSet<>();
        for (StateSnapshot.Key key : state.snapshot().keys()) {
            if (providers.find(key.key().providerId()).isPresent()) {
                current.add(key.key());
            }
        }
        quotaKeys.entrySet().removeIf(entry -> {
            if (current.contains(entry.getKey())) {
                return false;
            }
            registrar.unregister(entry.getValue());
            return true;
        });
        for (QuotaKey key : current) {
            if (!quotaKeys.containsKey(key)) {
                ObjectName name = quotaKeyName(key);
                if (registrar.register(name, new QuotaKeyView(key, state).mbean())) {
                    quotaKeys.put(key, name);
                }
            }
        }
    }

    /** Stops refreshing and unregisters every MBean this instance registered. */
    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        started = false;
        registrar.unregisterAll();
        quotaKeys.clear();
        providerViews.clear();
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("JMX: quota key MBeans not refreshed: {}", e.toString());
        }
    }
}
