package io.chain429.ratelimit;

import io.chain429.config.GatewayConfig.Circuit;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A step's attempts and failures over the last {@link Circuit#window()}, in one-second buckets: memory that does
 * not grow with traffic (a few hundred bytes for the default 10 s). Tells when the failures are both many and most, and which failures they were.
 */
final class FailureWindow {

    /** The longest window counted, in one-second buckets; a longer setting is cut to this. */
    static final int MAX_SECONDS = 600;

    private final Circuit rule;
    private final int size;
    private final long[] second;
    private final int[] attempts;
    private final int[] failures;
    private final Map<String, Integer>[] byCode;

    @SuppressWarnings("unchecked")
    FailureWindow(Circuit rule) {
        this.rule = rule;
        this.size = (int) Math.min(MAX_SECONDS, Math.max(1, rule.window().toSeconds()));
        this.second = new long[size];
        this.attempts = new int[size];
        this.failures = new int[size];
        this.byCode = new Map[size];
    }

    /**
     * @param failures the failed attempts in the window
     * @param attempts all attempts in the window
     * @param byCode   the failures by reason code
     */
    record Tally(int failures, int attempts, Map<String, Integer> byCode) {
    }

    synchronized void success(Instant now) {
        bucket(now);
        attempts[index(now)]++;
    }

    /** Counts a failure; returns the window's tally when the circuit should open now. */
    synchronized Optional<Tally> failure(Instant now, String code) {
        bucket(now);
        int at = index(now);
        attempts[at]++;
        failures[at]++;
        if (byCode[at] == null) {
            byCode[at] = new TreeMap<>();
        }
        byCode[at].merge(code, 1, Integer::sum);
        Tally tally = tally(now);
        boolean many = tally.failures() >= rule.minFailures();
        boolean most = tally.failures() * 100L >= (long) rule.failureRatePercent() * tally.attempts();
        return many && most ? Optional.of(tally) : Optional.empty();
    }

    synchronized void clear() {
        Arrays.fill(second, 0);
        Arrays.fill(attempts, 0);
        Arrays.fill(failures, 0);
        Arrays.fill(byCode, null);
    }

    private Tally tally(Instant now) {
        long newest = now.getEpochSecond();
        int failed = 0;
        int tried = 0;
        Map<String, Integer> codes = new TreeMap<>();
        for (int i = 0; i < size; i++) {
            if (second[i] != 0 && newest - second[i] < size) {
                failed += failures[i];
                tried += attempts[i];
                if (byCode[i] != null) {
                    byCode[i].forEach((code, count) -> codes.merge(code, count, Integer::sum));
                }
            }
        }
        return new Tally(failed, tried, Collections.unmodifiableMap(codes));
    }

    /** Empties the bucket of this second if it still holds an older second's counts. */
    private void bucket(Instant now) {
        int at = index(now);
        long epochSecond = now.getEpochSecond();
        if (second[at] != epochSecond) {
            second[at] = epochSecond;
            attempts[at] = 0;
            failures[at] = 0;
            byCode[at] = null;
        }
    }

    private int index(Instant now) {
        return (int) Math.floorMod(now.getEpochSecond(), (long) size);
    }
}
