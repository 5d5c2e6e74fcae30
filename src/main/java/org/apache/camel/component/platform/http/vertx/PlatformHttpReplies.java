package org.apache.camel.component.platform.http.vertx;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;

/**
 * Opens platform-http's own reply writer ({@code VertxPlatformHttpSupport.writeResponse}, package-private in Camel
 * 4.18) to 429chain's {@link io.chain429.api.EventLoopHttpEngine}, so that its answers are written exactly as the
 * stock consumer writes them. The only class of 429chain in Camel's package.
 */
public final class PlatformHttpReplies {

    private PlatformHttpReplies() {
    }

    public static Future<Void> write(RoutingContext ctx, Exchange exchange, PlatformHttpEndpoint endpoint) {
        return VertxPlatformHttpSupport.writeResponse(ctx, exchange, endpoint.getHeaderFilterStrategy(), endpoint.isMuteException());
    }
}
