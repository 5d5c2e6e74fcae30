package io.chain429.ratelimit;

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

    private RetryAfter() {
    }

    public static Optional<Instant> fromHeaders(HttpHeaders headers, Instant now) {
        for (String name : new String[] {"retry-after-ms", "x-ms-retry-after-ms"}) {
            Optional<Instant> millis = headers.firstValue(name).flatMap(v -> seconds(v, 0.001)).map(d -> now.plus(d));
            if (millis.isPresent()) {
                return millis;
            }
        }
        return headers.firstValue("retry-after").flatMap(value -> parse(value, now));
    }

    /** {@code 8}, {@code 8.12} or {@code Wed, 21 Oct 2026 07:28:00 GMT}. */
    public static Optional<Instant> parse(String value, Instant now) {
        Optional<Duration> seconds = seconds(value, 1.0);
        if (seconds.isPresent()) {
            return seconds.map(now::plus);
        }
        try {
            return Optional.of(ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<Duration> seconds(String value, double unitSeconds) {
        try {
            double amount = Double.parseDouble(value.trim());
            if (amount < 0 || Double.isNaN(amount) || Double.isInfinite(amount)) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos((long) (amount * unitSeconds * 1_000_000_000L)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
