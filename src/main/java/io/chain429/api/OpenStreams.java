package io.chain429.api;

import java.util.concurrent.atomic.AtomicInteger;

/** How many streams are being relayed to clients right now, for health and metrics. */
public final class OpenStreams {

    private final AtomicInteger open = new AtomicInteger();

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    public int count() {
        return open.get();
    }
}
