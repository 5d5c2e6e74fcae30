package io.chain429.sse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * The body of a provider's stream, taken on the {@link StreamThread} that delivers it: as Server-Sent Events by a
 * {@link Listener}, or whole as bytes ({@link #collect}) when the provider answered something else. The next buffer is
 * asked for only after the previous one was taken, so a slow client slows the upstream read instead of filling memory.
 * What arrives before a taker is in place waits for it.
 */
public final class SseSource implements Flow.Subscriber<List<ByteBuffer>> {

    /** Takes a stream's events, on the stream's thread. */
    public interface Listener {

        /** Runs once, on the stream's thread, before any event. */
        void attached();

        void event(SseEvent event);

        /**
         * Runs once, last: {@code failure} is null when the body ended cleanly, a {@link ClosedException} when
         * 429chain closed the source, else why the connection failed.
         */
        void ended(IOException failure);
    }

    /** Told to the taker once {@link #close()} was called, e.g. because the client went away. */
    public static final class ClosedException extends IOException {
        ClosedException() {
            super("stream closed by 429chain", null);
        }
    }

    /** How long to wait for the rest of a body after its end marker, to keep its connection for the next request. */
    private static final long DRAIN_MILLIS = 1_000;
    private static final Object END = new Object();
    private static final Object CLOSED = new Object();

    private record Failure(Throwable cause) {
    }

    private final StreamThread thread;
    private volatile Flow.Subscription subscription;
    private volatile boolean closed;
    // the stream's thread's only
    private final ArrayDeque<Object> early = new ArrayDeque<>();
    private final SseParser parser = new SseParser();
    private final ArrayDeque<SseEvent> ready = new ArrayDeque<>();
    private Listener listener;
    private Collector collector;
    private Object endOfBody;
    private boolean paused;
    private boolean owed; // a buffer was taken, and the next one not yet asked for
    private boolean told; // the taker heard the end
    private StreamThread.Timer draining; // closes the source unless the body ends first

    public SseSource(StreamThread thread) {
        this.thread = thread;
    }

    /** The thread the body is delivered on. */
    public StreamThread thread() {
        return thread;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (closed) {
            subscription.cancel();
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        arrive(buffers);
    }

    @Override
    public void onError(Throwable failure) {
        arrive(new Failure(failure));
    }

    @Override
    public void onComplete() {
        arrive(END);
    }

    /** From now on the listener takes every event, on the stream's thread; what arrived already comes first. */
    public void pushTo(Listener taker) {
        thread.execute(() -> {
            listener = taker;
            taker.attached();
            replayEarly();
        });
    }

    /**
     * Reads the whole body as bytes (an error page, or JSON where a stream was expected), up to {@code maxBytes}; the
     * connection is closed after a body cut at the limit. Completes exceptionally when the connection fails or the
     * source is closed, e.g. by the caller's timeout.
     */
    public CompletableFuture<byte[]> collect(int maxBytes) {
        Collector taker = new Collector(maxBytes);
        thread.execute(() -> {
            collector = taker;
            replayEarly();
        });
        return taker.result;
    }

    /**
     * After the end marker: reads what is left of the body (the chunked encoding's terminator, usually) so that its
     * connection goes back to the keep-alive pool, and closes the source instead when the body does not end promptly.
     * The listener still hears the end. Call on the stream's thread.
     */
    public void drain() {
        if (!told && draining == null) {
            draining = thread.schedule(DRAIN_MILLIS, this::close);
        }
    }

    /** Stops delivering events to the listener (e.g. while the client's connection is full); call on the stream's thread. */
    public void pause() {
        paused = true;
    }

    /** Delivers events again after {@link #pause()}; from any thread. */
    public void resume() {
        thread.execute(() -> {
            paused = false;
            dispatch();
        });
    }

    /** Aborts the upstream request and releases its connection; the taker is told. From any thread. */
    public void close() {
        closed = true;
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
        thread.execute(() -> arrive(CLOSED));
    }

    /** Runs on the stream's thread: the publisher delivers there, and so does {@link #close()}. */
    private void arrive(Object item) {
        if (listener == null && collector == null) {
            early.add(item);
        } else {
            take(item);
        }
    }

    private void replayEarly() {
        Object item;
        while (!told && (item = early.poll()) != null) {
            take(item);
        }
        dispatch();
    }

    @SuppressWarnings("unchecked")
    private void take(Object item) {
        if (told) {
            return;
        }
        if (item == CLOSED) {
            tell(new ClosedException());
            return;
        }
        if (item instanceof List<?> buffers) {
            for (ByteBuffer buffer : (List<ByteBuffer>) buffers) {
                if (collector != null) {
                    collector.add(buffer);
                } else {
                    parser.feed(buffer, ready::add);
                }
            }
            owed = true;
        } else {
            if (item == END && collector == null) {
                parser.finish(ready::add);
            }
            endOfBody = item;
        }
        dispatch();
    }

    /** Delivers what is ready unless paused; then either asks for the next buffer or, at the end, says so once. */
    private void dispatch() {
        while (!paused && !told && !ready.isEmpty()) {
            listener.event(ready.poll());
        }
        if (paused || told || !ready.isEmpty() || (listener == null && collector == null)) {
            return;
        }
        if (collector != null && collector.full()) {
            told = true;
            close(); // the rest is not wanted; its connection goes
            collector.done(null);
        } else if (endOfBody != null) {
            tell(endOfBody instanceof Failure failure ? asIoException(failure.cause()) : null);
        } else if (owed) {
            owed = false;
            Flow.Subscription current = subscription;
            if (current != null && !closed) {
                current.request(1);
            }
        }
    }

    private void tell(IOException failure) {
        if (told) {
            return;
        }
        told = true;
        if (draining != null) {
            draining.cancel();
        }
        if (collector != null) {
            collector.done(failure);
        } else {
            listener.ended(failure);
        }
    }

    private static IOException asIoException(Throwable failure) {
        return failure instanceof IOException io ? io : new IOException("upstream stream failed", failure);
    }

    /** A body read whole. */
    private static final class Collector {
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final int maxBytes;

        Collector(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        void add(ByteBuffer buffer) {
            byte[] bytes = new byte[Math.min(buffer.remaining(), maxBytes - body.size())];
            buffer.get(bytes);
            body.write(bytes, 0, bytes.length);
        }

        boolean full() {
            return body.size() >= maxBytes;
        }

        void done(IOException failure) {
            if (failure == null) {
                result.complete(body.toByteArray());
            } else {
                result.completeExceptionally(failure);
            }
        }
    }
}
