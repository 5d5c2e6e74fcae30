package io.chain429.ratelimit;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/** A consistent copy of the provider state: what operators see and what survives a restart. */
public record StateSnapshot(Instant takenAt, List<Key> keys, List<Disabled> disabled, List<Failure> failures) {

    /**
     * @param observed the latest provider-reported state per dimension, with local reservations already deducted
     * @param day      the UTC day {@code requestsToday} and {@code tokensToday} count
     */
    public record Key(QuotaKey key, Optional<Cooldown> cooldown, List<LimitObservation> observed, int inFlight,
                      LocalDate day, long requestsToday, long tokensToday) {
    }

    /** @param maskedKey the key it was disabled with (last 4 characters): a new key re-enables the provider */
    public record Disabled(String providerId, String maskedKey, String reason) {
    }

    public record Failure(String providerId, ProviderState.LastFailure last) {
    }
}
