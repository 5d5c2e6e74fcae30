package io.chain429.sse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The body of a provider's stream, read one event at a time by a single consumer thread. The HTTP client pushes
 * byte buffers in; the consumer asks for the next buffer only after parsing the previous one, so a slow client slows
 * the upstream read instead of filling memory. Timeouts are the consumer's waits, so no timer runs per stream.
 */
public final class SseSource implements Flow.Subscriber<List<ByteBuffer>> {

    /** Thrown to the consumer once {@link #close()} was called, e.g. because the client went away. */
    public static final class ClosedException extends IOException {
        ClosedException() {
            super("stream closed by 429chain", null);
        }
    }

    private static final Object END = new Object();
    private static final Object CLOSED = new Object();

    private record Failure(Throwable cause) {
    }

    private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
    private final SseParser parser = new SseParser();
    private final ArrayDeque<SseEvent> ready = new ArrayDeque<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean closed;
    private boolean ended;

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
        arrivals.offer(buffers);
    }

    @Override
    public void onError(Throwable failure) {
        arrivals.offer(new Failure(failure));
    }

    @Override
    public void onComplete() {
        arrivals.offer(END);
    }

    /**
     * The next event, or null when the stream ended cleanly.
     *
     * @throws TimeoutException when nothing arrived within the timeout (the stream is left open)
     * @throws IOException      when the upstream connection failed, or the source was closed
     */
    public SseEvent next(long timeoutNanos) throws IOException, TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (ready.isEmpty() && !ended) {
            for (ByteBuffer buffer : take(deadline)) {
                parser.feed(buffer, ready::add);
            }
        }
        return ready.poll();
    }

    /** Reads the rest of the body as raw bytes (an error page, or JSON where a stream was expected), up to a limit. */
    public byte[] readAll(int maxBytes, long timeoutNanos) throws IOException, TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            while (!ended && body.size() < maxBytes) {
                for (ByteBuffer buffer : take(deadline)) {
                    byte[] bytes = new byte[Math.min(buffer.remaining(), maxBytes - body.size())];
                    buffer.get(bytes);
                    body.write(bytes);
                }
            }
            return body.toByteArray();
        } finally {
            close(); // read whole, cut at the limit, or timed out: either way the connection is done with
        }
    }

    /**
     * After the end marker: reads what is left of the body (the chunked encoding's terminator, usually) so that the
     * connection goes back to the keep-alive pool; aborts it instead when the provider does not finish promptly.
     */
    public void drain(long timeoutNanos) {
        try {
            long deadline = System.nanoTime() + timeoutNanos;
            while (next(deadline - System.nanoTime()) != null) {
                // events after the end marker are ignored
            }
        } catch (IOException | TimeoutException e) {
            close();
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
        }
    }

    /** Aborts the upstream request and releases its connection; a consumer waiting in {@link #next} is woken. */
    public void close() {
        closed = true;
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
        arrivals.offer(CLOSED);
    }

    @SuppressWarnings("unchecked")
    private List<ByteBuffer> take(long deadline) throws IOException, TimeoutException, InterruptedException {
        long left = deadline - System.nanoTime();
        Object arrival = left > 0 ? arrivals.poll(left, TimeUnit.NANOSECONDS) : arrivals.poll();
        if (arrival == null) {
            throw new TimeoutException();
        }
        if (arrival == CLOSED) {
            ended = true;
            throw new ClosedException();
        }
        if (arrival == END) {
            ended = true;
            parser.finish(ready::add);
            return List.of();
        }
        if (arrival instanceof Failure failure) {
            ended = true;
            throw failure.cause() instanceof IOException io ? io : new IOException("upstream stream failed", failure.cause());
        }
        Flow.Subscription current = subscription;
        if (current != null && !closed) {
            current.request(1);
        }
        return (List<ByteBuffer>) arrival;
    }
}
