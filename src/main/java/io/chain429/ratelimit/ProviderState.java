package io.chain429.ratelimit;

import io.chain429.config.ProviderConfig.Limits;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What 429chain knows about its providers, shared by every route and request: cooldowns, disabled keys, the limits
 * providers reported, and the local counts kept where they report nothing. One interface, so that the state can live
 * in this process (the default) or be shared by several replicas.
 */
public interface ProviderState {

    /**
     * The reason of a provider an operator disabled (the console's {@code disable()}): it stays disabled until an
     * operator enables it, whatever a probe, a restart or a change of its configuration finds.
     */
    String OPERATOR_REASON = "disabled by an operator";

    Instant now();

    /** The cooldown in force for this key, if any. */
    Optional<Cooldown> cooldown(QuotaKey key);

    /** Cools a key down until {@code until}. A later, shorter hint never shortens a cooldown already in force. */
    Cooldown coolDown(QuotaKey key, Instant until, String reason);

    /** Ends a cooldown before its time (an operator's decision). */
    void clearCooldown(QuotaKey key);

    /** Disables a provider's key until its configuration changes or a probe finds it working again. */
    void disable(String providerId, String maskedKey, String reason);

    void enable(String providerId);

    Optional<String> disabledReason(String providerId);

    /** Remembers the latest failure of an attempt at one of a provider's steps, whatever its kind, for operators. */
    void recordFailure(Step step, Reason reason);

    Optional<LastFailure> lastFailure(String providerId);

    /** Learns what a provider's response headers said; a dimension at zero with a reset ahead cools the key down. */
    void observe(QuotaKey key, List<LimitObservation> observations);

    /**
     * Reserves one request on the key when everything known allows it: the provider's own last word on each
     * dimension, else the configured limits counted locally, and the concurrency limit. Atomic per key.
     */
    Admission admit(QuotaKey key, Limits limits, long estimatedTokens);

    /** Releases a reservation's concurrency permit and counts the tokens the request really used (once). */
    void settle(Reservation reservation, long tokensUsed);

    /** Drops what is known of a key (an ad-hoc step's, no longer kept): its counts, reports and cooldown. */
    void forget(QuotaKey key);

    /** Everything, for the operator view and for persistence. */
    StateSnapshot snapshot();

    /** The latest failure seen from a provider: at which of its steps, why, and when. */
    record LastFailure(String step, Reason reason, Instant at) {
    }

    /** Whether a request may go to a key now. */
    sealed interface Admission {
    }

    record Admitted(Reservation reservation) implements Admission {
    }

    /**
     * @param limit   which kind of limit refused it
     * @param retryAt when the refusal ends by itself, if known
     */
    record Refused(Limit limit, String reason, Optional<Instant> retryAt) implements Admission {
    }

    /** What a refusal ran into. */
    enum Limit { CONCURRENCY, REQUESTS, TOKENS }
}
