package io.chain429.sse;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A stream's thread on a clock that moves only when a test moves it: tasks run on the caller's thread, in order, and
 * timers fire during {@link #advance}, each at its own deadline. A stream's timeouts then trip exactly when the test
 * says, without waiting for them.
 */
public final class ManualStreamThread implements StreamThread {

    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private final List<Scheduled> timers = new ArrayList<>();
    private long now = TimeUnit.HOURS.toNanos(1);
    private boolean running;

    private static final class Scheduled {
        final long deadline;
        final Runnable task;
        boolean cancelled;

        Scheduled(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }
    }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
        runQueued();
    }

    @Override
    public Timer schedule(long delayMillis, Runnable task) {
        return scheduleAt(now + TimeUnit.MILLISECONDS.toNanos(delayMillis), task);
    }

    @Override
    public Timer scheduleAt(long deadlineNanos, Runnable task) {
        Scheduled timer = new Scheduled(deadlineNanos, task);
        timers.add(timer);
        return () -> timer.cancelled = true;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    /** Moves the clock on by this much, firing every timer that falls due on the way at its deadline. */
    public void advance(Duration by) {
        long target = now + by.toNanos();
        while (true) {
            timers.removeIf(t -> t.cancelled);
            Scheduled next = timers.stream().filter(t -> t.deadline - target <= 0).min(Comparator.comparingLong(t -> t.deadline)).orElse(null);
            if (next == null) {
                break;
            }
            timers.remove(next);
            now = Math.max(now, next.deadline);
            execute(next.task);
        }
        now = target;
    }

    private void runQueued() {
        if (running) {
            return; // a task queued by a task runs after it, as on an event loop
        }
        running = true;
        try {
            Runnable task;
            while ((task = queue.poll()) != null) {
                task.run();
            }
        } finally {
            running = false;
        }
    }
}
