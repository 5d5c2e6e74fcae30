package io.chain429.chain;

import io.vertx.core.Context;
import java.util.concurrent.Executor;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * Moves the request from the event loop its route started on to a request thread, where it may wait (see
 * {@link WaterfallRouter}); does nothing on a request thread.
 */
public final class LeaveEventLoop extends AsyncProcessorSupport {

    private final Executor requestThreads;

    public LeaveEventLoop(Executor requestThreads) {
        this.requestThreads = requestThreads;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        if (!Context.isOnEventLoopThread()) {
            callback.done(true);
            return true;
        }
        requestThreads.execute(() -> callback.done(false));
        return false;
    }
}
