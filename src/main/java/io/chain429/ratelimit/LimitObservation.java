package io.chain429.ratelimit;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpHeaders;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one provider response said about one rate-limit {@link Dimension}: the limit, how much of it is left, and
 * when the window resets. Absent parts are unknown (the provider did not say, or said something unreadable).
 * {@code observedAt} is the {@code now} the response was read at.
 *
 * <p>The static helpers are the shared, defensive parsing used by every adapter's
 * {@code observeLimits}: they never throw on what a provider sends; a malformed part is just left empty.
 */
public record LimitObservation(Dimension dimension, OptionalLong limit, OptionalLong remaining,
                               Optional<Instant> resetAt, Instant observedAt) {

    private static final BigDecimal MAX_COUNT = BigDecimal.valueOf(Long.MAX_VALUE);
    /** A reset further ahead than this is a broken header, not a real window (the same bound as {@link RetryAfter}). */
    static final Duration MAX_RESET_AHEAD = Duration.ofDays(366);

    public LimitObservation {
        Objects.requireNonNull(dimension, "dimension");
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(remaining, "remaining");
        Objects.requireNonNull(resetAt, "resetAt");
        Objects.requireNonNull(observedAt, "observedAt");
        if (limit.isPresent() && limit.getAsLong() < 0 || remaining.isPresent() && remaining.getAsLong() < 0) {
            throw new IllegalArgumentException("negative count in " + dimension);
        }
    }

    /** True when the response said nothing is left in this dimension (remaining is known and 0). */
    public boolean exhausted() {
        return remaining.isPresent() && remaining.getAsLong() == 0;
    }

    /** How a provider writes a reset header's value; returns empty for anything it cannot read. */
    @FunctionalInterface
    public interface ResetFormat {

        /** A Go duration from now: {@code 6m0s}, {@code 2m59.56s}, {@code 350ms} (OpenAI, Groq). */
        ResetFormat GO_DURATION = (value, now) -> GoDuration.parse(value).map(now::plus);

        /**
         * Whole or fractional seconds from now: {@code 33011.38} (Cerebras). Read by {@link RetryAfter#parse}, so at
         * most a year, and an HTTP-date is accepted too.
         */
        ResetFormat SECONDS = RetryAfter::parse;

        Optional<Instant> resetAt(String value, Instant now);
    }

    /**
     * A count as a provider writes it: {@code 14400}, {@code 14399.5} (rounded down), {@code " 7 "}. Empty for null,
     * blank, malformed ({@code abc}, {@code NaN}, {@code 1,000}), negative, or beyond {@code long}.
     */
    public static OptionalLong count(String text) {
        if (text == null) {
            return OptionalLong.empty();
        }
        BigDecimal amount;
        try {
            amount = new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
        if (amount.signum() < 0 || amount.compareTo(MAX_COUNT) > 0) {
            return OptionalLong.empty();
        }
        if (amount.compareTo(BigDecimal.ONE) < 0) {
            return OptionalLong.of(0); // also keeps 1e-999999999 from costing a huge rescale
        }
        return OptionalLong.of(amount.setScale(0, RoundingMode.FLOOR).longValueExact());
    }

    /** An observation of whatever is known; empty when nothing is. */
    public static Optional<LimitObservation> of(Dimension dimension, OptionalLong limit, OptionalLong remaining,
                                                Optional<Instant> resetAt, Instant now) {
        if (limit.isEmpty() && remaining.isEmpty() && resetAt.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new LimitObservation(dimension, limit, remaining, resetAt, now));
    }

    /** One dimension from its limit and remaining headers, for providers that give no reset. */
    public static Optional<LimitObservation> fromHeaders(HttpHeaders headers, Dimension dimension,
                                                         String limitHeader, String remainingHeader, Instant now) {
        return of(dimension, count(headers, limitHeader), count(headers, remainingHeader), Optional.empty(), now);
    }

    /**
     * One dimension from its limit, remaining and reset headers (names are case-insensitive); empty when none of
     * them is present and readable. A reset more than {@link #MAX_RESET_AHEAD} after {@code now} is unreadable; one
     * already past is kept as given.
     */
    public static Optional<LimitObservation> fromHeaders(HttpHeaders headers, Dimension dimension, String limitHeader,
                                                         String remainingHeader, String resetHeader,
                                                         ResetFormat resetFormat, Instant now) {
        Optional<Instant> resetAt = headers.firstValue(resetHeader).flatMap(value -> reset(resetFormat, value, now));
        return of(dimension, count(headers, limitHeader), count(headers, remainingHeader), resetAt, now);
    }

    private static OptionalLong count(HttpHeaders headers, String name) {
        return headers.firstValue(name).map(LimitObservation::count).orElse(OptionalLong.empty());
    }

    private static Optional<Instant> reset(ResetFormat format, String value, Instant now) {
        try {
            return format.resetAt(value, now).filter(resetAt -> !resetAt.isAfter(now.plus(MAX_RESET_AHEAD)));
        } catch (DateTimeException | ArithmeticException e) { // a moment beyond Instant's range: unreadable
            return Optional.empty();
        }
    }
}
