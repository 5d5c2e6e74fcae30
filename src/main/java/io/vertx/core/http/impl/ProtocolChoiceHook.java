package io.vertx.core.http.impl;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import java.util.function.Consumer;

/**
 * Lets 429chain act between the moment Vert.x chooses a plain connection's protocol and the moment the connection's
 * first bytes reach that protocol's handlers. On plain HTTP Vert.x reads the first bytes of a connection to tell an
 * HTTP/2 preface (h2c with prior knowledge) from HTTP/1.1, then sets up the handlers and passes those bytes on at once:
 * there is no public hook in between, and {@code Http1xOrH2CHandler.configure} is protected. The only class of 429chain
 * in Vert.x's package.
 */
public final class ProtocolChoiceHook {

    private ProtocolChoiceHook() {
    }

    /**
     * @param afterChoice called with {@code true} for HTTP/2, {@code false} for HTTP/1.x, once Vert.x has set up its
     *                    handlers and before they see a byte
     * @return false if this pipeline has no protocol choice to make (TLS, or h2c turned off)
     */
    public static boolean install(ChannelPipeline pipeline, Consumer<Boolean> afterChoice) {
        Http1xOrH2CHandler vertx = pipeline.get(Http1xOrH2CHandler.class);
        if (vertx == null) {
            return false;
        }
        pipeline.replace(vertx, "chain429ProtocolChoice", new Http1xOrH2CHandler() {
            @Override
            protected void configure(ChannelHandlerContext ctx, boolean h2c) {
                vertx.configure(ctx, h2c);
                afterChoice.accept(h2c);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                vertx.userEventTriggered(ctx, evt);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
                vertx.exceptionCaught(ctx, cause);
            }
        });
        return true;
    }
}
