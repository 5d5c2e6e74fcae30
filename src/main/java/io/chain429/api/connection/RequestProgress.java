package io.chain429.api.connection;

import io.chain429.core.Json;
import io.chain429.core.OpenAiError;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on an HTTP/1.1 connection between Netty's codec and Vert.x, where requests arrive decoded and answers leave
 * before encoding. It tells the connection's {@link ConnectionDeadline} how far each request and answer has come, and
 * writes the deadline's 408.
 *
 * <p>It also closes a connection whose answer is complete before its request was read whole, as a 413 for a body over
 * the limit, a 404 to a POST, or Vert.x's answer to a request it could not parse: the answer gets
 * {@code Connection: close} and the connection closes once it is written ({@link LingeringClose}). Reading on to find
 * where the unread body ends (100 MiB of it, say) would only serve to keep the connection, and cost as much as
 * accepting the body. Once closing, nothing more is written, and nothing more read reaches Vert.x.
 */
final class RequestProgress extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RequestProgress.class);
    /** Vert.x's name for the HTTP/1.1 encoder in a connection's pipeline */
    static final String HTTP_ENCODER = "httpEncoder";

    private final ConnectionDeadline deadline;
    private ChannelHandlerContext ctx;
    private boolean endCounted;
    private boolean unreadable;
    private boolean closeAfterAnswer;
    private int answerStatus;
    private boolean closing;

    RequestProgress(ConnectionDeadline deadline) {
        this.deadline = deadline;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        deadline.httpReady(this);
    }

    /** Removed when the connection closes, or when an h2c upgrade turns it into HTTP/2. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.stop();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg); // the rest of a refused request, or a request begun after the last answer
            return;
        }
        // counted before Vert.x sees it: Vert.x may answer before this returns
        if (msg instanceof HttpRequest request) {
            deadline.requestHead();
            unreadable = !request.decoderResult().isSuccess();
            // a request without a body is read whole with its head; its empty end follows at once, uncounted
            if (request.decoderResult().isSuccess() && !hasBody(request)) {
                deadline.requestEnd();
                endCounted = true;
            }
        }
        if (msg instanceof LastHttpContent) {
            if (endCounted) {
                endCounted = false;
            } else {
                deadline.requestEnd();
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (closing) {
            // after this connection's last answer (or its 408): nothing more may follow it on the wire
            ReferenceCountUtil.release(msg);
            if (!promise.isVoid()) {
                promise.tryFailure(new ClosedChannelException());
            }
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ctx.write(msg, promise); // 100 Continue, 101 Switching Protocols: not the answer
                return;
            }
            if (deadline.responseHead()) {
                closeAfterAnswer = true;
                answerStatus = response.status().code();
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        if (msg instanceof LastHttpContent) {
            deadline.responseEnd();
            if (closeAfterAnswer) {
                if (!unreadable) { // MalformedRequestReply has said why
                    LOG.debug("answered HTTP {} to {} before its request was read whole: the connection closes, the rest is not read",
                            answerStatus, Peer.of(ctx.channel()));
                }
                ChannelPromise written = promise.unvoid();
                ctx.write(msg, written);
                closeAfter(written);
                return;
            }
        }
        ctx.write(msg, promise);
    }

    /** Once closing, the connection closes when {@link LingeringClose} is done with it, whoever else asks for it sooner. */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (closing) {
            ctx.channel().closeFuture().addListener(closed -> promise.trySuccess());
            return;
        }
        ctx.close(promise);
    }

    /**
     * Writes this answer in place of any from Vert.x, then closes the connection; only closes it once an h2c upgrade
     * took the HTTP/1.1 encoder away (the upgrade request's body is still arriving).
     */
    void answerAndClose(int status, OpenAiError error) {
        if (ctx.pipeline().get(HTTP_ENCODER) == null) {
            closing = true;
            ctx.close();
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(Json.bytes(error.toJson())));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        closeAfter(ctx.writeAndFlush(response));
    }

    private void closeAfter(ChannelFuture written) {
        closing = true;
        deadline.stop();
        written.addListener(done -> {
            if (done.isSuccess()) {
                LingeringClose.start(ctx);
            } else {
                ctx.close();
            }
        });
    }

    /** As Netty's decoder frames a request: a body only with chunked coding or a Content-Length above 0. */
    private static boolean hasBody(HttpRequest request) {
        return HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
    }
}
