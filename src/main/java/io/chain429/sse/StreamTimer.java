package io.chain429.sse;

/**
 * A stream's one timer, on the stream's thread: set for its next deadline, forgotten when it fires, cancelled when the
 * stream is decided or over. Its owner sets it again only when it fires (not on every event), so a stream of many
 * events costs no timer churn.
 */
public final class StreamTimer {

    private StreamThread.Timer pending;

    /** Sets the timer, in place of any pending one. Call it on the stream's thread. */
    public void setAt(StreamThread thread, long deadlineNanos, Runnable task) {
        cancel();
        pending = thread.scheduleAt(deadlineNanos, () -> {
            pending = null;
            task.run();
        });
    }

    public void cancel() {
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
    }
}
