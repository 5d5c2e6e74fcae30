package io.chain429.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * When each measured request was sent and answered ({@link System#nanoTime()}), so that its slowest ones can be laid
 * next to what 429chain was doing then: a slow request during a garbage collection pause was held by it.
 */
final class Timeline {

    /** One request: sent at {@code start}, answered at {@code end}. */
    record Span(long start, long end) {
        long nanos() {
            return end - start;
        }

        boolean overlaps(long from, long to) {
            return start < to && end > from;
        }
    }

    private long[] starts = new long[1024];
    private long[] ends = new long[1024];
    private int size;

    synchronized void add(long start, long end) {
        if (size == starts.length) {
            starts = Arrays.copyOf(starts, size * 2);
            ends = Arrays.copyOf(ends, size * 2);
        }
        starts[size] = start;
        ends[size] = end;
        size++;
    }

    synchronized void addAll(Timeline other) {
        for (Span span : other.spans()) {
            add(span.start(), span.end());
        }
    }

    synchronized List<Span> spans() {
        List<Span> spans = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            spans.add(new Span(starts[i], ends[i]));
        }
        return spans;
    }

    /** The slowest {@code share} of the requests (at least one when there are any), slowest first. */
    List<Span> slowest(double share) {
        List<Span> spans = spans();
        spans.sort(Comparator.comparingLong(Span::nanos).reversed());
        int count = spans.isEmpty() ? 0 : Math.max(1, (int) Math.round(spans.size() * share));
        return spans.subList(0, count);
    }
}
