package io.chain429.provider;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * Feeds a streaming response's body to a {@link Flow.Subscriber} (an {@link io.chain429.sse.SseSource}) as it asks
 * for it, in the order it came off the wire: the chunks, then the end or the failure.
 *
 * <p>The chunks wait here rather than in Vert.x, because Vert.x reports a lost connection at once, ahead of the chunks
 * a paused response still holds; the provider's last events before a cut would then be lost. Once a few chunks wait,
 * the response is paused, so Vert.x stops reading the socket and a slow reader slows the provider instead of filling
 * memory. Cancelling resets the request, closing its connection.
 */
final class ResponseBody implements Flow.Subscription {

    /** Chunks held before the response is paused: enough to ride out the reader's pauses between events. */
    private static final int MAX_WAITING = 4;
    private static final Object END = new Object();

    private record Failure(Throwable cause) {
    }

    private final HttpClientResponse response;
    private final Context eventLoop;
    private final Flow.Subscriber<? super List<ByteBuffer>> subscriber;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>(); // guarded by this
    private long demand; // guarded by this
    private boolean paused; // guarded by this
    private boolean ended; // guarded by this: the end or a failure came, nothing follows it

    /** Must run on the response's event loop, in the callback that received its headers, before any body arrives. */
    ResponseBody(HttpClientResponse response, Flow.Subscriber<? super List<ByteBuffer>> subscriber) {
        this.response = response;
        this.eventLoop = Vertx.currentContext();
        this.subscriber = subscriber;
        // Vert.x hands over its own copy of each chunk (not a pooled buffer), so wrapping it without copying is safe
        response.handler(chunk -> arrived(List.of(chunk.getByteBuf().nioBuffer())));
        response.endHandler(end -> arrived(END));
        response.exceptionHandler(failure -> arrived(new Failure(failure)));
    }

    @Override
    public synchronized void request(long n) {
        demand += n;
        deliver();
        if (paused && waiting.size() < MAX_WAITING) {
            paused = false;
            response.resume();
        }
    }

    /**
     * Aborts the response unless it has already ended. Resetting an ended request would close its connection, by then
     * back in the pool and perhaps carrying another stream (that stream then lost its provider mid-way); deciding on
     * the response's own event loop, where its end is delivered, keeps the end from slipping in between.
     */
    @Override
    public void cancel() {
        eventLoop.runOnContext(now -> {
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
            }
            response.request().reset();
        });
    }

    private synchronized void arrived(Object item) {
        if (ended) {
            return; // e.g. the reset that closed the stream
        }
        ended = !(item instanceof List);
        waiting.add(item);
        deliver();
        if (!paused && !ended && waiting.size() >= MAX_WAITING) {
            paused = true;
            response.pause();
        }
    }

    @SuppressWarnings("unchecked")
    private void deliver() {
        while (!waiting.isEmpty()) {
            Object next = waiting.peek();
            if (next == END) {
                waiting.poll();
                subscriber.onComplete();
            } else if (next instanceof Failure failure) {
                waiting.poll();
                subscriber.onError(failure.cause());
            } else if (demand > 0) {
                waiting.poll();
                demand--;
                subscriber.onNext((List<ByteBuffer>) next);
            } else {
                return;
            }
        }
    }
}
