package io.chain429.api.connection;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection in stages once its last answer is written, as RFC 9112 §9.6 advises: first the sending side (the
 * client reads the answer, then the end of the stream), while what the client still sends is read and dropped; the whole
 * connection when the client closes its side, or after {@link #LINGER} at most. Closed at once, a connection the client
 * is still writing to (the rest of a body over the limit, the next byte of a slow request) answers those bytes with a
 * TCP reset, which can erase the answer before the client has read it: it would see "connection reset" instead of the
 * 413 or 408, and retry.
 */
final class LingeringClose {

    /** Long enough for a client to finish sending a body somewhat over the limit and read the answer; short enough to cost little. */
    static final Duration LINGER = Duration.ofSeconds(2);

    private LingeringClose() {
    }

    /** @param ctx a handler's context: its close goes to the socket, not back through the handler */
    static void start(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        if (!channel.isActive() || !(channel instanceof DuplexChannel duplex)) {
            ctx.close();
            return;
        }
        channel.config().setAutoRead(true); // Vert.x may have paused reading: the client's bytes must still be taken
        channel.eventLoop().schedule(() -> ctx.close(), LINGER.toMillis(), TimeUnit.MILLISECONDS);
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        ChannelFuture notified = tls != null ? tls.closeOutbound() : channel.newSucceededFuture();
        notified.addListener(sent -> duplex.shutdownOutput());
    }
}
