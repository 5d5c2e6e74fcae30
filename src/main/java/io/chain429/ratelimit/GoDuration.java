package io.chain429.ratelimit;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/**
 * Go's {@code time.Duration} text form, as Groq sends it in {@code x-ratelimit-reset-*}: a sequence of decimal
 * numbers, each with an optional fraction and a unit, e.g. {@code 2m59.56s}, {@code 7.66s}, {@code 1h2m3s},
 * {@code 350ms}, {@code 1m0s}; {@code 0} alone is zero. Units: {@code ns}, {@code us} ({@code µs}), {@code ms},
 * {@code s}, {@code m}, {@code h}.
 *
 * <p>Only waits are of interest here, so a negative duration is rejected (empty) rather than returned.
 */
public final class GoDuration {

    private static final BigDecimal NANOS_PER_UNIT_NS = BigDecimal.ONE;
    private static final BigDecimal NANOS_PER_UNIT_US = BigDecimal.valueOf(1_000L);
    private static final BigDecimal NANOS_PER_UNIT_MS = BigDecimal.valueOf(1_000_000L);
    private static final BigDecimal NANOS_PER_UNIT_S = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal NANOS_PER_UNIT_M = BigDecimal.valueOf(60_000_000_000L);
    private static final BigDecimal NANOS_PER_UNIT_H = BigDecimal.valueOf(3_600_000_000_000L);
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private GoDuration() {
    }

    /** @return the duration, or empty when {@code text} is null, blank, malformed or negative */
    public static Optional<Duration> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.trim();
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        if (s.isEmpty() || s.startsWith("-")) {
            return Optional.empty();
        }
        if (s.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(start, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                return Optional.empty();
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            BigDecimal unit = unit(s.substring(unitStart, i));
            if (unit == null) {
                return Optional.empty();
            }
            nanos = nanos.add(new BigDecimal(number.endsWith(".") ? number + "0" : number).multiply(unit));
            if (nanos.compareTo(MAX_NANOS) > 0) {
                return Optional.empty();
            }
        }
        return Optional.of(Duration.ofNanos(nanos.longValue()));
    }

    private static BigDecimal unit(String unit) {
        return switch (unit) {
            case "ns" -> NANOS_PER_UNIT_NS;
            case "us", "µs", "μs" -> NANOS_PER_UNIT_US; // micro sign U+00B5 and Greek mu U+03BC, as Go accepts
            case "ms" -> NANOS_PER_UNIT_MS;
            case "s" -> NANOS_PER_UNIT_S;
            case "m" -> NANOS_PER_UNIT_M;
            case "h" -> NANOS_PER_UNIT_H;
            default -> null;
        };
    }
}
