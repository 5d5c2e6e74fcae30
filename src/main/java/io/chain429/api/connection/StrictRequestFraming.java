package io.chain429.api.connection;

import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

/**
 * Vert.x's HTTP/1.1 request decoder, put in its place on every API connection, that refuses what
 * {@link TransferCodings} refuses.
 *
 * <p>A refused request leaves the decoder as any request it cannot parse does: as an invalid request (Vert.x's
 * invalid-request handler answers it, see {@link MalformedRequestReply}, and closes the connection), with the rest of
 * what the client sends discarded unread.
 */
final class StrictRequestFraming extends VertxHttpRequestDecoder {

    StrictRequestFraming(HttpServerOptions options) {
        super(options);
    }

    /**
     * Netty asks this of every request once its headers are read, before it decides how the body is framed: the one
     * place to refuse a framing before Netty has acted on it (it drops the Content-Length of a chunked request).
     */
    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage message) {
        TransferCodings.check(message);
        return super.isContentAlwaysEmpty(message);
    }
}
