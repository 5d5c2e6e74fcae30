package io.chain429.ratelimit;

import java.math.BigDecimal;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The generic "come back later" headers: {@code retry-after-ms}, {@code x-ms-retry-after-ms} (milliseconds) and
 * {@code retry-after} (whole or fractional seconds, or an HTTP-date). Provider-specific forms live in adapters.
 */
public final class RetryAfter {

    private static final BigDecimal MILLIS = new BigDecimal("0.001");
    /** A year: anything longer is a broken header, not a real reset. */
    private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(366L * 24 * 3600);

    private RetryAfter() {
    }

    public static Optional<Instant> fromHeaders(HttpHeaders headers, Instant now) {
        for (String name : new String[] {"retry-after-ms", "x-ms-retry-after-ms"}) {
            Optional<Instant> millis = headers.firstValue(name).flatMap(v -> seconds(v, MILLIS)).map(d -> now.plus(d));
            if (millis.isPresent()) {
                return millis;
            }
        }
        return headers.firstValue("retry-after").flatMap(value -> parse(value, now));
    }

    /** {@code 8}, {@code 8.12} or {@code Wed, 21 Oct 2026 07:28:00 GMT}. */
    public static Optional<Instant> parse(String value, Instant now) {
        Optional<Duration> seconds = seconds(value, BigDecimal.ONE);
        if (seconds.isPresent()) {
            return seconds.map(now::plus);
        }
        try {
            return Optional.of(ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Decimal arithmetic, so that {@code 8.12} seconds is exactly 8,120 ms and not 8,119.999999 ms. */
    private static Optional<Duration> seconds(String value, BigDecimal unitSeconds) {
        try {
            BigDecimal amount = new BigDecimal(value.trim());
            if (amount.signum() < 0 || amount.compareTo(MAX_SECONDS) > 0) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos(amount.multiply(unitSeconds).movePointRight(9).longValue()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
