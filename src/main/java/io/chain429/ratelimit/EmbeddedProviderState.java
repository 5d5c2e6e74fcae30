package io.chain429.ratelimit;

import io.chain429.config.ProviderConfig.Limits;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provider state kept in this process. Cooldowns are deadlines, not timers that must fire: a key is available again
 * as soon as its instant passes, and nothing scans the state to find out. Every change is reported to a listener
 * (persistence writes it to disk off the request path).
 */
public final class EmbeddedProviderState implements ProviderState {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedProviderState.class);

    private final Clock clock;
    private final Map<QuotaKey, Cooldown> cooldowns = new ConcurrentHashMap<>();
    private final Map<String, StateSnapshot.Disabled> disabled = new ConcurrentHashMap<>();
    private final Map<String, LastFailure> lastFailures = new ConcurrentHashMap<>();
    private final Map<QuotaKey, KeyUsage> usage = new ConcurrentHashMap<>();
    private volatile Runnable onChange = () -> { };

    public EmbeddedProviderState(Clock clock) {
        this.clock = clock;
    }

    /** Called after every change; must be cheap (it runs on the request path). */
    public void onChange(Runnable listener) {
        this.onChange = listener;
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public Optional<Cooldown> cooldown(QuotaKey key) {
        Cooldown cooldown = cooldowns.get(key);
        return cooldown != null && cooldown.until().isAfter(now()) ? Optional.of(cooldown) : Optional.empty();
    }

    @Override
    public Cooldown coolDown(QuotaKey key, Instant until, String reason) {
        Cooldown result = cooldowns.merge(key, new Cooldown(until, reason),
                (old, fresh) -> old.until().isAfter(fresh.until()) ? old : fresh);
        LOG.info("{} cooling down until {}: {}", key, result.until(), result.reason());
        onChange.run();
        return result;
    }

    @Override
    public void clearCooldown(QuotaKey key) {
        if (cooldowns.remove(key) != null) {
            onChange.run();
        }
    }

    @Override
    public void disable(String providerId, String maskedKey, String reason) {
        if (disabled.putIfAbsent(providerId, new StateSnapshot.Disabled(providerId, maskedKey, reason)) == null) {
            LOG.warn("provider {} disabled: {}", providerId, reason);
            onChange.run();
        }
    }

    @Override
    public void enable(String providerId) {
        if (disabled.remove(providerId) != null) {
            LOG.info("provider {} enabled again", providerId);
            onChange.run();
        }
    }

    @Override
    public Optional<String> disabledReason(String providerId) {
        return Optional.ofNullable(disabled.get(providerId)).map(StateSnapshot.Disabled::reason);
    }

    @Override
    public void recordFailure(Step step, Reason reason) {
        lastFailures.put(step.providerId(), new LastFailure(step.toString(), reason, now()));
    }

    @Override
    public void forget(QuotaKey key) {
        usage.remove(key);
        cooldowns.remove(key);
        onChange.run(); // the state file drops it too
    }

    @Override
    public Optional<LastFailure> lastFailure(String providerId) {
        return Optional.ofNullable(lastFailures.get(providerId));
    }

    @Override
    public void observe(QuotaKey key, List<LimitObservation> observations) {
        if (observations.isEmpty()) {
            return;
        }
        usage(key).observe(observations);
        Instant now = now();
        observations.stream()
                .filter(o -> o.remaining().isPresent() && o.remaining().getAsLong() <= 0 && o.resetAt().isPresent())
                .filter(o -> o.resetAt().get().isAfter(now))
                .max(Comparator.comparing(o -> o.resetAt().get()))
                .ifPresentOrElse(
                        exhausted -> coolDown(key, exhausted.resetAt().get(), exhausted.dimension() + " used up (reported by the provider)"),
                        onChange);
    }

    @Override
    public Admission admit(QuotaKey key, Limits limits, long estimatedTokens) {
        return usage(key).admit(limits, estimatedTokens, now());
    }

    /** The provider's last word on this key refuses the request (nothing is reserved). */
    Optional<Refused> refusedByProvider(QuotaKey key, long estimatedTokens) {
        return usage(key).refusedByProvider(estimatedTokens, now());
    }

    /** {@code limits} less the windows the provider reports on itself. */
    Limits counted(QuotaKey key, Limits limits) {
        return usage(key).counted(limits, now());
    }

    /** Cooldowns in force now, to hand to Redis after it was unreachable. */
    Map<QuotaKey, Cooldown> cooldownsInForce() {
        Instant now = now();
        Map<QuotaKey, Cooldown> inForce = new java.util.HashMap<>();
        cooldowns.forEach((key, cooldown) -> {
            if (cooldown.until().isAfter(now)) {
                inForce.put(key, cooldown);
            }
        });
        return inForce;
    }

    /** The latest observation per dimension of every key, to hand to Redis after it was unreachable. */
    Map<QuotaKey, List<LimitObservation>> observations() {
        Map<QuotaKey, List<LimitObservation>> all = new java.util.HashMap<>();
        usage.forEach((key, keyUsage) -> all.put(key, keyUsage.snapshot(Optional.empty(), now()).observed()));
        return all;
    }

    @Override
    public void settle(Reservation reservation, long tokensUsed) {
        if (reservation.settle()) {
            usage(reservation.key()).settle(reservation, tokensUsed, now());
            onChange.run();
        }
    }

    @Override
    public StateSnapshot snapshot() {
        Instant now = now();
        java.util.Set<QuotaKey> keys = new java.util.TreeSet<>(Comparator.comparing(QuotaKey::toString));
        keys.addAll(usage.keySet());
        cooldowns.forEach((key, cooldown) -> {
            if (cooldown.until().isAfter(now)) {
                keys.add(key);
            }
        });
        List<StateSnapshot.Key> snapshots = keys.stream().map(key -> usage(key).snapshot(cooldown(key), now)).toList();
        List<StateSnapshot.Failure> failures = lastFailures.entrySet().stream()
                .map(e -> new StateSnapshot.Failure(e.getKey(), e.getValue())).toList();
        return new StateSnapshot(now, snapshots, List.copyOf(disabled.values()), failures);
    }

    /**
     * Takes back what a snapshot saved: cooldowns and observations still in force, today's counts, and disabled keys
     * whose configured key is still the one that was rejected.
     *
     * @param currentMaskedKey the masked key each provider is configured with now (empty string for none)
     */
    public void restore(StateSnapshot saved, java.util.function.Function<String, String> currentMaskedKey) {
        Instant now = now();
        for (StateSnapshot.Key key : saved.keys()) {
            key.cooldown().filter(c -> c.until().isAfter(now)).ifPresent(c -> cooldowns.put(key.key(), c));
            usage(key.key()).restore(key, now);
        }
        saved.disabled().stream()
                .filter(d -> d.maskedKey().equals(currentMaskedKey.apply(d.providerId())))
                .forEach(d -> disabled.put(d.providerId(), d));
    }

    private KeyUsage usage(QuotaKey key) {
        return usage.computeIfAbsent(key, KeyUsage::new);
    }
}
