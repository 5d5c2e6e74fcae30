package io.chain429.ops;

import io.chain429.core.Redactor;
import io.chain429.ratelimit.Cooldown;
import io.chain429.ratelimit.LimitObservation;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.StateSnapshot;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the MBean {@code io.chain429:type=QuotaKey,provider=<id>,bucket=<bucket>} shows of one quota key, read from the
 * live state on each call, and its operation {@code resetCooldown()}.
 */
final class QuotaKeyView implements QuotaKeyMXBean {

    private static final Logger LOG = LoggerFactory.getLogger(QuotaKeyView.class);

    private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry("Provider", "The provider id"),
            Map.entry("Bucket", "* for the whole account, a model id, or group:<name>"),
            Map.entry("CooldownUntil", "When the cooldown ends (UTC); empty when not cooling down"),
            Map.entry("CooldownReason", "Why the key cools down"),
            Map.entry("Dimensions", "What the provider last reported, per dimension"),
            Map.entry("InFlight", "Requests in flight"),
            Map.entry("RequestsToday", "Requests admitted today (UTC day)"),
            Map.entry("TokensToday", "Tokens used today (UTC day)"),
            Map.entry("resetCooldown", "End this key's cooldown now"));


    private final QuotaKey key;
    private final ProviderState state;

    QuotaKeyView(QuotaKey key, ProviderState state) {
        this.key = key;
        this.state = state;
    }

    /** This view as an MBean, with the console's tooltips. */
    DescribedMBean mbean() {
        return new DescribedMBean(this, QuotaKeyMXBean.class, "A 429chain quota key: what one provider limit is counted against",
                DESCRIPTIONS);
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
        return Redactor.redact(state.cooldown(key).map(Cooldown::reason).orElse(null));
    }

    @Override
    public String[] getDimensions() {
        return snapshot().map(k -> k.observed().stream()).orElseGet(Stream::empty)
                .map(QuotaKeyView::describe).toArray(String[]::new);
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
}
