package io.chain429.bench;

import java.util.Arrays;

/** A growable, thread-safe list of nanosecond measurements, and its percentiles. */
final class Samples {

    private long[] values = new long[1024];
    private int size;
    private long[] sorted;

    synchronized void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
        sorted = null;
    }

    synchronized void addAll(Samples other) {
        long[] theirs;
        int n;
        synchronized (other) {
            theirs = other.values;
            n = other.size;
        }
        for (int i = 0; i < n; i++) {
            add(theirs[i]);
        }
    }

    synchronized int count() {
        return size;
    }

    /** The q-quantile (0 &lt; q ≤ 1) by nearest rank, in milliseconds; NaN when empty. */
    synchronized double millis(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        if (sorted == null) {
            sorted = Arrays.copyOf(values, size);
            Arrays.sort(sorted);
        }
        int rank = (int) Math.ceil(q * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
    }

    synchronized double meanMillis() {
        if (size == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += values[i];
        }
        return sum / size / 1e6;
    }
}
