package io.chain429.ops;

import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.Secret;
import io.chain429.core.Redactor;
import io.chain429.provider.KeyProbe;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.ProviderState.LastFailure;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.StateSnapshot;
import io.chain429.ratelimit.StepBreakers;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the MBean {@code io.chain429:type=Provider,name=<id>} shows of one configured provider, read from the live
 * state on each call, and its operations. The key shows only {@link Secret#masked() masked}; reasons go through
 * {@link Redactor}.
 *
 * <p>An operator's {@code disable()} is a disabled provider like one whose key was rejected, with the reason
 * {@value ProviderState#OPERATOR_REASON}, and it is not probed (a probe would re-enable it as soon as its key works).
 */
final class ProviderView implements ProviderMXBean {

    static final String AVAILABLE = "available";
    static final String COOLING = "cooling";
    static final String DISABLED = "disabled";
    static final String CIRCUIT_OPEN = "circuit open";

    private static final Logger LOG = LoggerFactory.getLogger(ProviderView.class);

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
            Map.entry("resetCooldowns", "End every cooldown of this provider now"),
            Map.entry("disable", "Skip this provider in every chain until enabled"),
            Map.entry("enable", "Use this disabled provider again"),
            Map.entry("probeNow", "Start the background key probe of this disabled provider"),
            Map.entry("closeCircuits", "Close every open circuit of this provider's steps: they are tried again at once"));


    private final ProviderConfig config;
    private final ProviderState state;
    private final KeyProbe keyProbe;
    private final StepBreakers breakers;

    ProviderView(ProviderConfig config, ProviderState state, KeyProbe keyProbe, StepBreakers breakers) {
        this.config = config;
        this.state = state;
        this.keyProbe = keyProbe;
        this.breakers = breakers;
    }

    /** This view as an MBean, with the console's tooltips. */
    DescribedMBean mbean() {
        return new DescribedMBean(this, ProviderMXBean.class, "A 429chain provider", DESCRIPTIONS);
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
        return Redactor.redact(disabledReason().orElse(null));
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
        return Redactor.redact(state.lastFailure(config.id()).map(f -> f.step() + ": " + f.reason()).orElse(null));
    }

    @Override
    public String getLastErrorReason() {
        return state.lastFailure(config.id()).map(f -> f.reason().code()).orElse(null);
    }

    @Override
    public String getLastErrorDetail() {
        return Redactor.redact(state.lastFailure(config.id()).map(f -> f.reason().detail()).orElse(null));
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
            return "already disabled: " + Redactor.redact(already.get());
        }
        state.disable(config.id(), config.apiKey().map(Secret::masked).orElse(""), ProviderState.OPERATOR_REASON);
        LOG.info("JMX: provider {} {}", config.id(), ProviderState.OPERATOR_REASON);
        return "disabled";
    }

    @Override
    public String enable() {
        if (config.disabledReason().isPresent()) {
            return "not enabled: disabled by its configuration (" + Redactor.redact(config.disabledReason().get())
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
            return "not probed: disabled by its configuration (" + Redactor.redact(config.disabledReason().get()) + ")";
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

    private List<StateSnapshot.Key> keysOf(String providerId) {
        return state.snapshot().keys().stream().filter(k -> k.key().providerId().equals(providerId)).toList();
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
}
