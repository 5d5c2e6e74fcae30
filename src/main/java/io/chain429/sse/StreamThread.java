package io.chain429.sse;

import io.vertx.core.Context;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The thread a provider stream's body is delivered on, one task at a time and in order: for an HTTP stream the event
 * loop of its connection. Once a stream is committed, the relay runs there too, so an event goes from the provider's
 * socket to the client's without waking another thread.
 */
public interface StreamThread {

    /** Runs the task on this thread, after what is already queued there. */
    void execute(Runnable task);

    /** Runs the task on this thread after the delay. Call it on this thread. */
    Timer schedule(long delayMillis, Runnable task);

    /** Runs the task on this thread once {@link #nanoTime()} has passed the deadline. Call it on this thread. */
    default Timer scheduleAt(long deadlineNanos, Runnable task) {
        return schedule(TimeUnit.NANOSECONDS.toMillis(deadlineNanos - nanoTime()) + 1, task);
    }

    /**
     * The clock this thread's timers run on, in {@link System#nanoTime()}'s units: what a stream's deadlines are
     * measured with, so that a test's thread can move time instead of waiting for it.
     */
    default long nanoTime() {
        return System.nanoTime();
    }

    /** A scheduled task, until it ran. */
    @FunctionalInterface
    interface Timer {
        void cancel();
    }

    /** A Vert.x context: its event loop (or, for a worker context, its ordered worker tasks). */
    static StreamThread of(Context context) {
        return new StreamThread() {
            @Override
            public void execute(Runnable task) {
                context.runOnContext(ignored -> task.run());
            }

            @Override
            public Timer schedule(long delayMillis, Runnable task) {
                // called on the context, so the timer fires on it too
                long id = context.owner().setTimer(Math.max(1, delayMillis), ignored -> task.run());
                return () -> context.owner().cancelTimer(id);
            }
        };
    }

    /** A single-threaded scheduler, e.g. the demo provider's ticker. */
    static StreamThread of(ScheduledExecutorService singleThread) {
        return new StreamThread() {
            @Override
            public void execute(Runnable task) {
                singleThread.execute(task);
            }

            @Override
            public Timer schedule(long delayMillis, Runnable task) {
                ScheduledFuture<?> scheduled = singleThread.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
                return () -> scheduled.cancel(false);
            }
        };
    }
}
