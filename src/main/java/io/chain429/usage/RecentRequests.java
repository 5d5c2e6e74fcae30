package io.chain429.usage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last few finished requests, newest first, for operators. A ring over a fixed array: adding is one atomic
 * increment and one array write, with no lock, so every request can afford it. Each slot remembers which addition
 * filled it, so a reader racing writers skips a slot not yet (or already again) written instead of showing a record
 * out of order.
 */
public final class RecentRequests {

    public static final int DEFAULT_CAPACITY = 200;

    private final AtomicReferenceArray<Entry> ring;
    private final AtomicLong added = new AtomicLong();

    private record Entry(long slot, RequestRecord record) {
    }

    public RecentRequests(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.ring = new AtomicReferenceArray<>(capacity);
    }

    public void add(RequestRecord record) {
        long slot = added.getAndIncrement();
        ring.set((int) (slot % ring.length()), new Entry(slot, record));
    }

    /** At most {@code capacity} records, the newest first. */
    public List<RequestRecord> newestFirst() {
        long end = added.get();
        long start = Math.max(0, end - ring.length());
        List<RequestRecord> records = new ArrayList<>((int) (end - start));
        for (long slot = end - 1; slot >= start; slot--) {
            Entry entry = ring.get((int) (slot % ring.length()));
            if (entry != null && entry.slot() == slot) {
                records.add(entry.record());
            }
        }
        return records;
    }
}
