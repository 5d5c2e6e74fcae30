package io.chain429.core;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/**
 * The connection to the client of one request. When the client goes away, whatever upstream call is in flight for
 * it is aborted at once, and the waterfall stops trying further steps.
 */
public final class ClientLink implements CallGuard {

    /** Exchange property holding the request's {@link ClientLink}. */
    public static final String PROPERTY = "chain429Client";

    private final HttpServerResponse response;
    private final boolean http2;
    private volatile boolean gone;
    private volatile Runnable abort = () -> { };

    public ClientLink(HttpServerRequest request) {
        this.response = request.response();
        this.http2 = request.version() == HttpVersion.HTTP_2;
        response.closeHandler(closed -> leave());
    }

    public HttpServerResponse response() {
        return response;
    }

    /**
     * Whether the client speaks HTTP/2 (e.g. after an h2c upgrade): connection-specific headers such as
     * {@code Connection} are forbidden there, and strict clients reject a response that carries one.
     */
    public boolean http2() {
        return http2;
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
