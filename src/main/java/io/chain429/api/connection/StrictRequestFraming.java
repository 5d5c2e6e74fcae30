package io.chain429.api.connection;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.List;

/**
 * Vert.x's HTTP/1.1 request decoder, put in its place on every API connection, that refuses what
 * {@link TransferCodings} refuses and tells the connection's {@link ConnectionDeadline} when bytes of a request arrive.
 *
 * <p>A refused request leaves the decoder as any request it cannot parse does: as an invalid request (Vert.x's
 * invalid-request handler answers it, see {@link MalformedRequestReply}, and closes the connection), with the rest of
 * what the client sends discarded unread.
 */
final class StrictRequestFraming extends VertxHttpRequestDecoder {

    private final ConnectionDeadline deadline;

    StrictRequestFraming(HttpServerOptions options, ConnectionDeadline deadline) {
        super(options);
        this.deadline = deadline;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (buffer.isReadable()) {
            deadline.requestBytes();
        }
        super.decode(ctx, buffer, out);
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
