package io.chain429.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * A sum over a rolling window (the last minute, the last day) kept in fixed time buckets: memory that does not grow
 * with traffic. An amount counts until its whole bucket has left the window, so the sum errs on the side of the
 * provider's limit (a day's request is held up to one bucket, 5 minutes, longer than a day) and never lets more
 * through than a list of every request would. Not thread-safe: its owner synchronizes.
 */
final class RollingWindow {

    private final long windowMillis;
    private final long bucketMillis;
    private final long[] bucketIds;
    private final long[] amounts;

    /** @param bucket the precision: how much longer than the window an amount may be held */
    RollingWindow(Duration window, Duration bucket) {
        this.windowMillis = window.toMillis();
        this.bucketMillis = bucket.toMillis();
        int slots = Math.toIntExact(windowMillis / bucketMillis) + 1; // the current bucket and those still in the window
        this.bucketIds = new long[slots];
        this.amounts = new long[slots];
        Arrays.fill(bucketIds, Long.MIN_VALUE);
    }

    /** One minute in one-second buckets. */
    static RollingWindow minute() {
        return new RollingWindow(Duration.ofMinutes(1), Duration.ofSeconds(1));
    }

    /** One day in five-minute buckets. */
    static RollingWindow day() {
        return new RollingWindow(Duration.ofDays(1), Duration.ofMinutes(5));
    }

    void add(Instant now, long amount) {
        long id = Math.floorDiv(now.toEpochMilli(), bucketMillis);
        int slot = (int) Math.floorMod(id, (long) bucketIds.length);
        if (bucketIds[slot] != id) {
            bucketIds[slot] = id;
            amounts[slot] = 0;
        }
        amounts[slot] += amount;
    }

    /** What was added within the window (never below zero: corrections may be negative). */
    long sum(Instant now) {
        long total = 0;
        for (int slot = 0; slot < bucketIds.length; slot++) {
            if (counts(slot, now)) {
                total += amounts[slot];
            }
        }
        return Math.max(0, total);
    }

    /** Whether anything was added within the window. */
    boolean isEmpty(Instant now) {
        for (int slot = 0; slot < bucketIds.length; slot++) {
            if (counts(slot, now) && amounts[slot] != 0) {
                return false;
            }
        }
        return true;
    }

    /** When the oldest amount still in the window leaves it. */
    Optional<Instant> oldestLeavesAt(Instant now) {
        long oldest = Long.MAX_VALUE;
        for (int slot = 0; slot < bucketIds.length; slot++) {
            if (counts(slot, now) && amounts[slot] != 0) {
                oldest = Math.min(oldest, bucketIds[slot]);
            }
        }
        return oldest == Long.MAX_VALUE ? Optional.empty() : Optional.of(leavesAt(oldest));
    }

    private boolean counts(int slot, Instant now) {
        return bucketIds[slot] != Long.MIN_VALUE && leavesAt(bucketIds[slot]).isAfter(now);
    }

    private Instant leavesAt(long bucketId) {
        return Instant.ofEpochMilli((bucketId + 1) * bucketMillis + windowMillis);
    }
}
