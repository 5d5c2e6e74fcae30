package io.chain429.api.connection;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.http.impl.ProtocolChoiceHook;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.SslChannelProvider;
import java.util.function.BiConsumer;

/**
 * The API port's Vert.x HTTP server, which reads request framing strictly ({@link StrictRequestFraming},
 * {@link MalformedRequestReply}).
 *
 * <p>Vert.x has no public hook for it: its decoder is Netty's, lenient about framing. So this reaches into Vert.x's
 * internals: once Vert.x has set up the HTTP/1.1 handlers, before any byte reaches them, its decoder is replaced. That
 * moment is Vert.x's connection handler over TLS; on plain HTTP Vert.x first reads a few bytes to choose between
 * HTTP/1.1 and h2c, and calls its connection handler only after a first request, so there {@link ProtocolChoiceHook}
 * is used.
 */
public final class GuardedHttpServer extends HttpServerImpl {

    private final HttpServerOptions options;

    public GuardedHttpServer(Vertx vertx, HttpServerOptions options) {
        super((VertxInternal) vertx, options);
        this.options = new HttpServerOptions(options);
        super.connectionHandler(this::connected);
        super.invalidRequestHandler(new MalformedRequestReply(options));
    }

    @Override
    protected BiConsumer<Channel, SslChannelProvider> childHandler(ContextInternal context, SocketAddress address,
                                                                   GlobalTrafficShapingHandler trafficShapingHandler) {
        BiConsumer<Channel, SslChannelProvider> vertx = super.childHandler(context, address, trafficShapingHandler);
        return (channel, tls) -> {
            vertx.accept(channel, tls);
            ProtocolChoiceHook.install(channel.pipeline(), http2 -> {
                if (!http2) {
                    guard(channel.pipeline());
                }
            });
        };
    }

    /** Vert.x's connection handler: over TLS, before the first request; on plain HTTP, at its first request. */
    private void connected(HttpConnection connection) {
        if (connection instanceof Http1xServerConnection) {
            guard(((ConnectionBase) connection).channelHandlerContext().pipeline());
        }
    }

    private void guard(ChannelPipeline pipeline) {
        if (pipeline.get("httpDecoder") instanceof StrictRequestFraming) {
            return; // already, when the protocol was chosen
        }
        pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestFraming(options));
    }
}
