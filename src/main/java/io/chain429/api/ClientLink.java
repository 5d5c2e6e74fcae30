package io.chain429.api;

import io.chain429.provider.CallGuard;
import io.vertx.core.http.HttpServerResponse;

/**
 * The connection to the client of one request. When the client goes away, whatever upstream call is in flight for
 * it is aborted at once, and the waterfall stops trying further steps.
 */
public final class ClientLink implements CallGuard {

    /** Exchange property holding the request's {@link ClientLink}. */
    public static final String PROPERTY = "chain429Client";

    private final HttpServerResponse response;
    private volatile boolean gone;
    private volatile Runnable abort = () -> { };

    public ClientLink(HttpServerResponse response) {
        this.response = response;
        response.closeHandler(closed -> leave());
    }

    public HttpServerResponse response() {
        return response;
    }

    public boolean gone() {
        return gone;
    }

    @Override
    public void onAbort(Runnable abort) {
        this.abort = abort;
        if (gone) {
            abort.run();
        }
    }

    private void leave() {
        gone = true;
        abort.run();
    }
}
