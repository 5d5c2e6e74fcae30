package io.chain429.api.connection;

import io.chain429.config.RuntimeSettings.ClientTimeouts;
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
 * The API port's Vert.x HTTP server, which bounds how long a client takes to send a request ({@link ConnectionDeadline})
 * and reads request framing strictly ({@link StrictRequestFraming}, {@link MalformedRequestReply}).
 *
 * <p>Vert.x has no public hook for either: its idle timeout would also cut a long provider call, and its decoder is
 * Netty's, lenient about framing. So this reaches into Vert.x's internals (its server class, its connections' Netty
 * pipelines): a connection is watched from the moment it is accepted (a client that connects and sends nothing is
 * closed too), and once Vert.x has set up the HTTP/1.1 handlers, before any byte reaches them, its decoder is replaced
 * and {@link RequestProgress} added. That
 * moment is Vert.x's connection handler over TLS; on plain HTTP Vert.x first reads a few bytes to choose between HTTP/1.1
 * and h2c, and calls its connection handler only after a first request, so there {@link ProtocolChoiceHook} is used.
 *
 * <p>Once a connection turns HTTP/2 (h2c, by prior knowledge or upgrade) its HTTP/1.1 deadline stops and
 * {@link Http2Deadline} watches its streams instead.
 */
public final class GuardedHttpServer extends HttpServerImpl {

    private static final String PROGRESS = "chain429RequestProgress";

    private final HttpServerOptions options;
    private final ClientTimeouts timeouts;
    private final ClientRefusals refusals;

    public GuardedHttpServer(Vertx vertx, HttpServerOptions options, ClientTimeouts timeouts, ClientRefusals refusals) {
        super((VertxInternal) vertx, options);
        this.options = new HttpServerOptions(options);
        this.timeouts = timeouts;
        this.refusals = refusals;
        super.connectionHandler(this::connected);
        super.invalidRequestHandler(new MalformedRequestReply(options, refusals));
    }

    @Override
    protected BiConsumer<Channel, SslChannelProvider> childHandler(ContextInternal context, SocketAddress address,
                                                                   GlobalTrafficShapingHandler trafficShapingHandler) {
        BiConsumer<Channel, SslChannelProvider> vertx = super.childHandler(context, address, trafficShapingHandler);
        return (channel, tls) -> {
            ConnectionDeadline deadline = ConnectionDeadline.open(channel, timeouts, refusals);
            vertx.accept(channel, tls);
            ProtocolChoiceHook.install(channel.pipeline(), http2 -> {
                if (http2) {
                    deadline.stop();
                    Http2Deadline.watch(channel, timeouts, refusals);
                } else {
                    guard(channel.pipeline(), deadline);
                }
            });
        };
    }

    /** Vert.x's connection handler: over TLS, before the first request; on plain HTTP, at its first request. */
    private void connected(HttpConnection connection) {
        ChannelPipeline pipeline = ((ConnectionBase) connection).channelHandlerContext().pipeline();
        ConnectionDeadline deadline = ConnectionDeadline.of(pipeline.channel());
        if (deadline == null) {
            return;
        }
        if (connection instanceof Http1xServerConnection) {
            guard(pipeline, deadline);
        } else {
            // upgraded to h2c: the HTTP/1.1 deadline goes on timing the upgrade request's body, if one is coming,
            // and stops with the HTTP/1.1 handlers once it has come
            Http2Deadline.watch(pipeline.channel(), timeouts, refusals);
        }
    }

    private void guard(ChannelPipeline pipeline, ConnectionDeadline deadline) {
        if (pipeline.get(PROGRESS) != null) {
            return; // already, when the protocol was chosen
        }
        pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestFraming(options, deadline));
        pipeline.addAfter(RequestProgress.HTTP_ENCODER, PROGRESS, new RequestProgress(deadline));
    }
}
