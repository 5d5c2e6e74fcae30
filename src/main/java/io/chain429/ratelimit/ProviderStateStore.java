package io.chain429.ratelimit;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provider state shared by every route and request: cooldowns per quota key and providers disabled for a bad key.
 * Cooldowns are deadlines, not timers that must fire: a key is available again as soon as its instant passes.
 */
public final class ProviderStateStore {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderStateStore.class);

    private final Clock clock;
    private final Map<QuotaKey, Cooldown> cooldowns = new ConcurrentHashMap<>();
    private final Map<String, String> disabled = new ConcurrentHashMap<>();
    private final Map<String, LastFailure> lastFailures = new ConcurrentHashMap<>();

    /** The latest failure seen from a provider, for health reporting. */
    public record LastFailure(String reason, Instant at) {
    }

    public ProviderStateStore(Clock clock) {
        this.clock = clock;
    }

    public Instant now() {
        return clock.instant();
    }

    /** The cooldown in force for this key, if any. */
    public Optional<Cooldown> cooldown(QuotaKey key) {
        Cooldown cooldown = cooldowns.get(key);
        return cooldown != null && cooldown.until().isAfter(now()) ? Optional.of(cooldown) : Optional.empty();
    }

    /** Cools a key down until {@code until}. A later, shorter hint never shortens a cooldown already in force. */
    public Cooldown coolDown(QuotaKey key, Instant until, String reason) {
        Cooldown result = cooldowns.merge(key, new Cooldown(until, reason),
                (old, fresh) -> old.until().isAfter(fresh.until()) ? old : fresh);
        LOG.info("{} cooling down until {}: {}", key, result.until(), result.reason());
        return result;
    }

    /** Disables a provider until its configuration changes; logged once, not on every request that skips it. */
    public void disable(String providerId, String reason) {
        if (disabled.putIfAbsent(providerId, reason) == null) {
            LOG.warn("provider {} disabled: {}. Fix its configuration and restart 429chain.", providerId, reason);
        }
    }

    /** Remembers a failure that cools nothing down (e.g. a stream cut after its commit point). */
    public void recordFailure(String providerId, String reason) {
        lastFailures.put(providerId, new LastFailure(reason, now()));
    }

    public Optional<LastFailure> lastFailure(String providerId) {
        return Optional.ofNullable(lastFailures.get(providerId));
    }

    public Optional<String> disabledReason(String providerId) {
        return Optional.ofNullable(disabled.get(providerId));
    }
}
