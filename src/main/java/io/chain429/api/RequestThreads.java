package io.chain429.api;

import io.vertx.core.spi.ExecutorServiceFactory;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads a request runs on when it may block: a waterfall's wait ({@code retryWait}, {@code maxWait}), writing a
 * stream read whole to a client that reads slowly, and the whole route of a request that started on a worker (see
 * {@link EventLoopHttpEngine}); every other request runs on its connection's event loop, and an open stream holds no
 * thread at all. On Java 24+ these workers are virtual
 * threads: a blocked one costs a few kilobytes of heap instead of a platform thread's stack, and starting one costs
 * no system call. Java 21–23 have virtual threads too, but one blocking inside a {@code synchronized} block pins its
 * carrier thread (fixed by JEP 491 in Java 24), and libraries on the request path do that: there, and on Java 17, the
 * workers stay Vert.x's platform threads.
 *
 * <p>Vert.x finds this factory through {@code META-INF/services/io.vertx.core.spi.VertxServiceProvider} and asks it
 * for each of its worker pools. The pool keeps Vert.x's size as its bound on concurrent tasks (that is
 * {@code CHAIN429_MAX_CONCURRENT_REQUESTS} for the request pool); further tasks queue, as with Vert.x's own pool.
 */
public final class RequestThreads implements ExecutorServiceFactory {

    private static final Optional<ThreadFactory> VIRTUAL = virtualThreads();

    /** Whether requests run on virtual threads in this JVM. */
    public static boolean virtual() {
        return VIRTUAL.isPresent();
    }

    @Override
    public ExecutorService createExecutor(ThreadFactory vertxThreads, Integer concurrency, Integer maxConcurrency) {
        if (VIRTUAL.isEmpty()) {
            return ExecutorServiceFactory.INSTANCE.createExecutor(vertxThreads, concurrency, maxConcurrency);
        }
        // Idle threads wait untimed: a timed wait per idle virtual thread arms and cancels a timer for every request,
        // a cost on the request path. An idle virtual thread costs about a kilobyte.
        return new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), VIRTUAL.get());
    }

    /** {@code Thread.ofVirtual().name("429chain-request-", 0).factory()}, by reflection: 429chain compiles for Java 17. */
    private static Optional<ThreadFactory> virtualThreads() {
        if (Runtime.version().feature() < 24) {
            return Optional.empty();
        }
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            builder = Class.forName("java.lang.Thread$Builder$OfVirtual").getMethod("name", String.class, long.class)
                    .invoke(builder, "429chain-request-", 0L);
            return Optional.of((ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder));
        } catch (ReflectiveOperationException | ClassCastException e) {
            return Optional.empty();
        }
    }
}
