package io.chain429.core;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Optional;

/** Whether the calling code runs on one of Vert.x's event loops, where a request's route runs unless it must block. */
public final class EventLoops {

    private EventLoops() {
    }

    /**
     * The context of the event loop this thread is, or empty on any other thread: a request thread, a provider's own
     * scheduler, or an event-loop thread outside any Vert.x context.
     */
    public static Optional<Context> current() {
        Context context = Vertx.currentContext();
        return context != null && Context.isOnEventLoopThread() ? Optional.of(context) : Optional.empty();
    }
}
