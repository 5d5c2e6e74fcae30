package io.chain429.bench;

import io.vertx.core.http.HttpClient;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A load phase's own connections, closed when the phase is over the way a load generator stops: with requests in
 * flight, not drained. Real clients leave like that, and 429chain must take it as clients leaving, not as its
 * provider failing (a healthy step's circuit opened by it would fail the next phase's requests with 503).
 *
 * <p>The phase is over once its time is up and every request sent before then has its answer, so that nothing it
 * measures is cut short: the load goes on meanwhile, and those later requests are the ones left in flight. The
 * connections close the moment one of them has been written, so that even one client at a time leaves one behind.
 */
final class AbruptEnd {

    private final HttpClient http;
    private final long timeUpNanos;
    /** Requests sent before the time was up and not answered yet. */
    private final AtomicInteger due = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** @param http a client for this phase alone: the end closes it */
    AbruptEnd(HttpClient http, long timeUpNanos) {
        this.http = http;
        this.timeUpNanos = timeUpNanos;
    }

    HttpClient http() {
        return http;
    }

    /**
     * A request is about to be sent; returns the time it is sent at. Counted as due before the clock is read, so that
     * a request sent before the time was up is never missed by the check in {@link #written}.
     */
    long sending() {
        due.incrementAndGet();
        long now = System.nanoTime();
        if (now >= timeUpNanos) {
            due.decrementAndGet();
        }
        return now;
    }

    /** The request sent at {@code sentNanos} has been written to its connection. */
    void written(long sentNanos) {
        if (sentNanos >= timeUpNanos && due.get() == 0) {
            close();
        }
    }

    /** The request sent at {@code sentNanos} has its answer, or failed; call once per request. */
    void answered(long sentNanos) {
        if (sentNanos < timeUpNanos) {
            due.decrementAndGet();
        }
    }

    /** True once the connections are closed: a request without its whole answer by then was left, not failed. */
    boolean over() {
        return closed.get();
    }

    /** Closes the connections now, whatever is in flight (also what ends a phase that never got that far). */
    void close() {
        if (closed.compareAndSet(false, true)) {
            http.close();
        }
    }
}
