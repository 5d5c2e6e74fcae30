package io.chain429.api;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Writes a route's reply exactly as Camel's own platform-http consumer does, through its writer
 * {@code org.apache.camel.component.platform.http.vertx.VertxPlatformHttpSupport.writeResponse(RoutingContext,
 * Exchange, HeaderFilterStrategy, boolean)}: package-private in Camel 4.22, with no public way to it, so it is looked
 * up once here rather than reached by a class of ours inside Camel's package. A Camel upgrade that changes it fails
 * at start-up, and in {@code PlatformHttpReplyWriterTest}.
 */
final class PlatformHttpReplyWriter {

    static final String CAMEL_CLASS = "org.apache.camel.component.platform.http.vertx.VertxPlatformHttpSupport";
    private static final MethodHandle WRITE_RESPONSE = writeResponse();

    private PlatformHttpReplyWriter() {
    }

    @SuppressWarnings("unchecked")
    static Future<Void> write(RoutingContext ctx, Exchange exchange, PlatformHttpEndpoint endpoint) {
        try {
            return (Future<Void>) WRITE_RESPONSE.invokeExact(ctx, exchange, endpoint.getHeaderFilterStrategy(), endpoint.isMuteException());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static MethodHandle writeResponse() {
        try {
            Class<?> support = Class.forName(CAMEL_CLASS);
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(support, MethodHandles.lookup());
            return lookup.findStatic(support, "writeResponse",
                    MethodType.methodType(Future.class, RoutingContext.class, Exchange.class, HeaderFilterStrategy.class, boolean.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("Camel's platform-http reply writer is not where 429chain expects it ("
                    + CAMEL_CLASS + ".writeResponse): " + e);
        }
    }
}
