package io.chain429.ops;

import io.chain429.chain.ChainDefinition;
import io.chain429.chain.ChainRegistry;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.Secret;
import io.chain429.core.Redactor;
import io.chain429.core.Step;
import io.chain429.provider.KeyProbe;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.Cooldown;
import io.chain429.ratelimit.LimitObservation;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.ProviderState.LastFailure;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.StateSnapshot;
import io.chain429.ratelimit.StepBreakers;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers and their quota keys as JMX MBeans, for the Hawtio console (its Jolokia reads the platform MBean
 * server) and any JMX client:
 * <ul>
 *   <li>{@code io.chain429:type=Provider,name=<id>} ({@link ProviderMXBean}), one per configured provider, with
 *       the operations {@code resetCooldowns()}, {@code disable()}, {@code enable()}, {@code probeNow()} and
 *       {@code closeCircuits()};
 *       {@link #providersChanged()} follows a live reload of the providers;</li>
 *   <li>{@code io.chain429:type=QuotaKey,provider=<id>,bucket=<bucket>} ({@link QuotaKeyMXBean}), one per quota key
 *       the state knows (see {@link #refresh()}), with {@code resetCooldown()}. A value with a character other than
 *       letters, digits, {@code -}, {@code _} and {@code .} is quoted ({@link ObjectName#quote}): the account bucket is
 *       {@code bucket="\*"}, a model {@code bucket="meta-llama/llama-3.3-70b:free"} or {@code bucket=llama-3.1-8b}.
 *       {@link #quotaKeyName} builds the name; {@code ObjectName.unquote} reads the bucket back.</li>
 * </ul>
 * Attributes are computed from the {@link ProviderState} on each read: nothing is copied, nothing goes stale. The API
 * key is never exposed: only {@link Secret#masked()}, and reasons go through {@link Redactor}.
 *
 * <p>Operations act on the shared state, as the request path does: an operator's {@code disable()} is a disabled
 * provider like one whose key was rejected, with the reason {@value #OPERATOR_REASON}, and it is not probed (a probe
 * would re-enable it as soon as its key works).
 *
 * <p>Quota keys appear as traffic reaches new models: a daemon thread ({@value #THREAD_NAME}) re-runs
 * {@link #refresh()} every few seconds (5 by default). A console view may lag that much behind a new key; the values of
 * a registered key are always current.
 *
 * <p>{@link #start()} registers, {@link #close()} unregisters everything this instance registered. A name already
 * registered by someone else (another gateway in the same JVM) is left alone, with a warning.
 */
public final class ProviderMBeans implements AutoCloseable {

    public static final String DOMAIN = "io.chain429";
    public static final String OPERATOR_REASON = "disabled by an operator";
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);
    static final String THREAD_NAME = "429chain-jmx-refresh";

    static final String AVAILABLE = "available";
    static final String COOLING = "cooling";
    static final String DISABLED = "disabled";
    static final String CIRCUIT_OPEN = "circuit open";

    private static final Logger LOG = LoggerFactory.getLogger(ProviderMBeans.class);

    private final ProviderRegistry providers;
    private final ProviderState state;
    private final KeyProbe keyProbe;
    private final StepBreakers breakers;
    private final MBeanServer server;
    private final Duration refreshEvery;

    private final Set<ObjectName> registered = new HashSet<>();
    private final Map<QuotaKey, ObjectName> quotaKeys = new LinkedHashMap<>();
    /** The configuration each registered provider MBean shows, by provider id. */
    private final Map<String, ProviderConfig> providerViews = new LinkedHashMap<>();
    /** Names someone else holds: warned about once, retried quietly at each refresh. */
    private final Set<ObjectName> taken = new HashSet<>();
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
        this.server = Objects.requireNonNull(server, "server");
        this.refreshEvery = Objects.requireNonNull(refreshEvery, "refreshEvery");
    }

    /** {@code io.chain429:type=Provider,name=<id>}. */
    public static ObjectName providerName(String providerId) {
        return name("type=Provider,name=" + value(providerId));
    }

    /** {@code io.chain429:type=QuotaKey,provider=<id>,bucket=<bucket>}, values quoted when they need it. */
    public static ObjectName quotaKeyName(QuotaKey key) {
        return name("type=QuotaKey,provider=" + value(key.providerId()) + ",bucket=" + value(key.bucket()));
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
                quotaKeys.size(), DOMAIN);
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
            unregister(providerName(view.getKey()));
            return true;
        });
        current.forEach((id, config) -> {
            if (!providerViews.containsKey(id)
                    && register(providerName(id), new Described(new ProviderView(config), ProviderMXBean.class))) {
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
            unregister(entry.getValue());
            return true;
        });
        for (QuotaKey key : current) {
            if (!quotaKeys.containsKey(key)) {
                ObjectName name = quotaKeyName(key);
                if (register(name, new Described(new QuotaKeyView(key), QuotaKeyMXBean.class))) {
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
        for (ObjectName name : new ArrayList<>(registered)) {
            unregister(name);
        }
        quotaKeys.clear();
        providerViews.clear();
        taken.clear();
    }

    // ------------------------------------------------------------------------------------------------ registration

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("JMX: quota key MBeans not refreshed: {}", e.toString());
        }
    }

    private boolean register(ObjectName name, StandardMBean mbean) {
        try {
            server.registerMBean(mbean, name);
            registered.add(name);
            taken.remove(name);
            return true;
        } catch (InstanceAlreadyExistsException e) {
            if (taken.add(name)) {
                LOG.warn("JMX: {} is already registered (another 429chain in this JVM?); left as it is", name);
            }
            return false;
        } catch (JMException e) {
            LOG.warn("JMX: {} not registered: {}", name, e.toString());
            return false;
        }
    }

    private void unregister(ObjectName name) {
        registered.remove(name);
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            // already gone
        } catch (JMException e) {
            LOG.warn("JMX: {} not unregistered: {}", name, e.toString());
        }
    }

    private static ObjectName name(String properties) {
        try {
            return new ObjectName(DOMAIN + ":" + properties);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The value as is when it is plain ({@code groq}, {@code llama-3.1-8b}), else quoted. */
    static String value(String raw) {
        boolean plain = !raw.isEmpty() && raw.chars().allMatch(c ->
                c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.'));
        return plain ? raw : ObjectName.quote(raw);
    }

    // -------------------------------------------------------------------------------------------------- the views

    private List<StateSnapshot.Key> keysOf(String providerId) {
        return state.snapshot().keys().stream().filter(k -> k.key().providerId().equals(providerId)).toList();
    }

    private static String redacted(String text) {
        return text == null ? null : Redactor.redact(text);
    }

    /** {@code tokens/minute remaining=0 of 6000 resets 2026-01-01T00:01:00Z}; unknown parts are left out or '?'. */
    static String describe(LimitObservation observation) {
        StringBuilder text = new StringBuilder(observation.dimension().toString());
        text.append(" remaining=");
        if (observation.remaining().isPresent()) {
            text.append(observation.remaining().getAsLong());
        } else {
            text.append('?');
        }
        observation.limit().ifPresent(limit -> text.append(" of ").append(limit));
        observation.resetAt().ifPresent(reset -> text.append(" resets ").append(reset));
        return text.toString();
    }

    private static String limits(Limits limits) {
        StringBuilder text = new StringBuilder();
        append(text, "rpm", limits.rpm());
        append(text, "rpd", limits.rpd());
        append(text, "tpm", limits.tpm());
        append(text, "tpd", limits.tpd());
        append(text, "concurrency", limits.concurrency());
        append(text, "maxCompletionTokens", limits.maxCompletionTokens());
        return text.isEmpty() ? "none" : text.toString();
    }

    private static void append(StringBuilder text, String name, Integer value) {
        if (value != null) {
            text.append(text.isEmpty() ? "" : " ").append(name).append('=').append(value);
        }
    }

    private final class ProviderView implements ProviderMXBean {

        private final ProviderConfig config;

        ProviderView(ProviderConfig config) {
            this.config = config;
        }

        @Override
        public String getId() {
            return config.id();
        }

        @Override
        public String getType() {
            return config.type();
        }

        @Override
        public String getStatus() {
            if (disabledReason().isPresent()) {
                return DISABLED;
            }
            if (keysOf(config.id()).stream().anyMatch(k -> k.cooldown().isPresent())) {
                return COOLING;
            }
            return breakers.openOf(config.id()).isEmpty() ? AVAILABLE : CIRCUIT_OPEN;
        }

        @Override
        public String getDisabledReason() {
            return redacted(disabledReason().orElse(null));
        }

        @Override
        public String getKeyMasked() {
            return config.apiKey().map(Secret::masked).orElse("none");
        }

        @Override
        public String getQuotaScope() {
            return config.quotaScope().toString();
        }

        @Override
        public String getConfiguredLimits() {
            return limits(config.limits());
        }

        @Override
        public String[] getOpenCircuits() {
            return breakers.openOf(config.id()).stream().map(StepBreakers.View::step).toArray(String[]::new);
        }

        @Override
        public String[] getCircuitDetails() {
            return breakers.openOf(config.id()).stream().map(view -> view.step() + ": " + view.describe()).toArray(String[]::new);
        }

        @Override
        public String[] getCoolingBuckets() {
            return keysOf(config.id()).stream().filter(k -> k.cooldown().isPresent())
                    .map(k -> k.key().bucket()).toArray(String[]::new);
        }

        @Override
        public String getLastError() {
            return redacted(state.lastFailure(config.id()).map(f -> f.step() + ": " + f.reason()).orElse(null));
        }

        @Override
        public String getLastErrorReason() {
            return state.lastFailure(config.id()).map(f -> f.reason().code()).orElse(null);
        }

        @Override
        public String getLastErrorDetail() {
            return redacted(state.lastFailure(config.id()).map(f -> f.reason().detail()).orElse(null));
        }

        @Override
        public String getLastErrorStep() {
            return state.lastFailure(config.id()).map(LastFailure::step).orElse(null);
        }

        @Override
        public String getLastErrorTime() {
            return state.lastFailure(config.id()).map(f -> f.at().toString()).orElse(null);
        }

        @Override
        public int getInFlight() {
            return keysOf(config.id()).stream().mapToInt(StateSnapshot.Key::inFlight).sum();
        }

        @Override
        public long getRequestsToday() {
            return keysOf(config.id()).stream().mapToLong(StateSnapshot.Key::requestsToday).sum();
        }

        @Override
        public long getTokensToday() {
            return keysOf(config.id()).stream().mapToLong(StateSnapshot.Key::tokensToday).sum();
        }

        @Override
        public String resetCooldowns() {
            List<QuotaKey> cooling = keysOf(config.id()).stream().filter(k -> k.cooldown().isPresent())
                    .map(StateSnapshot.Key::key).toList();
            cooling.forEach(state::clearCooldown);
            LOG.info("JMX: an operator ended {} cooldown(s) of provider {}: {}", cooling.size(), config.id(), cooling);
            return cooling.isEmpty() ? "no cooldown in force" : "ended " + cooling.size() + " cooldown(s): " + cooling;
        }

        @Override
        public String disable() {
            Optional<String> already = disabledReason();
            if (already.isPresent()) {
                return "already disabled: " + redacted(already.get());
            }
            state.disable(config.id(), config.apiKey().map(Secret::masked).orElse(""), OPERATOR_REASON);
            LOG.info("JMX: provider {} {}", config.id(), OPERATOR_REASON);
            return "disabled";
        }

        @Override
        public String enable() {
            if (config.disabledReason().isPresent()) {
                return "not enabled: disabled by its configuration (" + redacted(config.disabledReason().get())
                        + "); fix the configuration and restart";
            }
            if (state.disabledReason(config.id()).isEmpty()) {
                return "already enabled";
            }
            state.enable(config.id());
            LOG.info("JMX: provider {} enabled by an operator", config.id());
            return "enabled";
        }

        /**
         * Starts {@link KeyProbe}'s chain of probes for a provider disabled in the state, unless one is in progress.
         * The first probe comes after the probe's initial delay ({@code keyProbeAfter}), not at once; a probe that
         * finds the key working enables the provider, even one an operator disabled.
         */
        @Override
        public String probeNow() {
            if (config.disabledReason().isPresent()) {
                return "not probed: disabled by its configuration (" + redacted(config.disabledReason().get()) + ")";
            }
            if (state.disabledReason(config.id()).isEmpty()) {
                return "not probed: the provider is not disabled";
            }
            if (keyProbe.probing(config.id())) {
                return "a probe is already scheduled; the provider is enabled as soon as its key works";
            }
            keyProbe.disabled(config.id());
            LOG.info("JMX: an operator started the key probe of provider {}", config.id());
            return keyProbe.probing(config.id())
                    ? "probe scheduled; the provider is enabled as soon as its key works"
                    : "not probed: the key probe is stopped";
        }

        @Override
        public String closeCircuits() {
            List<String> closed = breakers.closeAll(config.id(), "an operator closed it");
            LOG.info("JMX: an operator closed {} circuit(s) of provider {}: {}", closed.size(), config.id(), closed);
            return closed.isEmpty() ? "no circuit open" : "closed the circuit of " + String.join(", ", closed);
        }

        /** From the configuration first (an unset key variable), else from the state. */
        private Optional<String> disabledReason() {
            return config.disabledReason().or(() -> state.disabledReason(config.id()));
        }
    }

    private final class QuotaKeyView implements QuotaKeyMXBean {

        private final QuotaKey key;

        QuotaKeyView(QuotaKey key) {
            this.key = key;
        }

        @Override
        public String getProvider() {
            return key.providerId();
        }

        @Override
        public String getBucket() {
            return key.bucket();
        }

        @Override
        public String getCooldownUntil() {
            return state.cooldown(key).map(c -> c.until().toString()).orElse(null);
        }

        @Override
        public String getCooldownReason() {
            return redacted(state.cooldown(key).map(Cooldown::reason).orElse(null));
        }

        @Override
        public String[] getDimensions() {
            return snapshot().map(k -> k.observed().stream()).orElseGet(Stream::empty)
                    .map(ProviderMBeans::describe).toArray(String[]::new);
        }

        @Override
        public int getInFlight() {
            return snapshot().map(StateSnapshot.Key::inFlight).orElse(0);
        }

        @Override
        public long getRequestsToday() {
            return snapshot().map(StateSnapshot.Key::requestsToday).orElse(0L);
        }

        @Override
        public long getTokensToday() {
            return snapshot().map(StateSnapshot.Key::tokensToday).orElse(0L);
        }

        @Override
        public String resetCooldown() {
            Optional<Cooldown> cooldown = state.cooldown(key);
            if (cooldown.isEmpty()) {
                return "no cooldown in force";
            }
            state.clearCooldown(key);
            LOG.info("JMX: an operator ended the cooldown of {}", key);
            return "cooldown ended (it ran until " + cooldown.get().until() + ")";
        }

        private Optional<StateSnapshot.Key> snapshot() {
            return state.snapshot().keys().stream().filter(k -> k.key().equals(key)).findFirst();
        }
    }

    /** An MXBean with descriptions, for the console's tooltips, and operations marked as actions. */
    private static final class Described extends StandardMBean {

        private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
                Map.entry("Id", "The provider id from 429chain.yaml"),
                Map.entry("Type", "The provider type (adapter)"),
                Map.entry("Status", "available, cooling, disabled or circuit open"),
                Map.entry("DisabledReason", "Why the provider is disabled; empty when it is not"),
                Map.entry("KeyMasked", "The configured API key, last 4 characters at most"),
                Map.entry("QuotaScope", "What a 429 cools down: provider, model or group:<name>"),
                Map.entry("ConfiguredLimits", "Limits set in 429chain.yaml"),
                Map.entry("OpenCircuits", "Steps of this provider whose circuit breaker is open"),
                Map.entry("CoolingBuckets", "Quota key buckets cooling down now"),
                Map.entry("CircuitDetails", "Each open circuit: since and until when, and the failures (reason codes) that opened it"),
                Map.entry("LastError", "The latest failure of any kind: step, reason code and what happened"),
                Map.entry("LastErrorReason", "Reason code of the latest failure (connect_refused, http_503, rate_limited, ...)"),
                Map.entry("LastErrorDetail", "The latest failure in words"),
                Map.entry("LastErrorStep", "The step (provider/model) of the latest failure"),
                Map.entry("LastErrorTime", "When the latest failure happened (UTC)"),
                Map.entry("InFlight", "Requests in flight"),
                Map.entry("RequestsToday", "Requests admitted today (UTC day)"),
                Map.entry("TokensToday", "Tokens used today (UTC day)"),
                Map.entry("Provider", "The provider id"),
                Map.entry("Bucket", "* for the whole account, a model id, or group:<name>"),
                Map.entry("CooldownUntil", "When the cooldown ends (UTC); empty when not cooling down"),
                Map.entry("CooldownReason", "Why the key cools down"),
                Map.entry("Dimensions", "What the provider last reported, per dimension"),
                Map.entry("resetCooldowns", "End every cooldown of this provider now"),
                Map.entry("disable", "Skip this provider in every chain until enabled"),
                Map.entry("enable", "Use this disabled provider again"),
                Map.entry("probeNow", "Start the background key probe of this disabled provider"),
                Map.entry("closeCircuits", "Close every open circuit of this provider's steps: they are tried again at once"),
                Map.entry("resetCooldown", "End this key's cooldown now"));

        <T> Described(T implementation, Class<T> mxbeanInterface) {
            super(implementation, mxbeanInterface, true);
        }

        @Override
        protected String getDescription(MBeanInfo info) {
            return getMBeanInterface() == ProviderMXBean.class
                    ? "A 429chain provider" : "A 429chain quota key: what one provider limit is counted against";
        }

        @Override
        protected String getDescription(MBeanAttributeInfo info) {
            return DESCRIPTIONS.getOrDefault(info.getName(), info.getDescription());
        }

        @Override
        protected String getDescription(MBeanOperationInfo info) {
            return DESCRIPTIONS.getOrDefault(info.getName(), info.getDescription());
        }

        @Override
        protected int getImpact(MBeanOperationInfo info) {
            return MBeanOperationInfo.ACTION;
        }
    }
}
