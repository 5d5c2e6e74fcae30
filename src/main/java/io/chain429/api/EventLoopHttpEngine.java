package io.chain429.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Camel's Vert.x platform-http engine, except that a request's route starts on the event loop that read it.
 *
 * <p>The stock consumer hands every request to a worker thread before the route runs, because it cannot know whether
 * the route blocks. 429chain's routes do not block before the provider call: parsing, checks and the choice of a step
 * are CPU work, and the call itself is asynchronous ({@link io.chain429.chain.CallProvider} continues the route on the
 * event loop once the provider's answer is decided; a wait, or writing a stream read whole, moves to a request thread
 * first). Starting on the event loop saves two thread hand-offs
 * (loop → worker for the route, worker → loop for the upstream request) on the way to the first token: each costs a
 * thread wake-up, which is most of what a proxy adds (docs/benchmark.md).
 *
 * <p>A request still starts on a worker, as with the stock consumer, when {@code startOnEventLoop} says no: when a
 * step before the call may block (shared state in Redis: each check is a round trip), or when as many requests as
 * {@code CHAIN429_MAX_CONCURRENT_REQUESTS} are in flight, so that further ones queue for a request thread as before.
 */
public final class EventLoopHttpEngine extends VertxPlatformHttpEngine {

    private final int port;
    private final BooleanSupplier startOnEventLoop;

    /** @param port the API port as configured ({@code CHAIN429_PORT}): its router's name */
    public EventLoopHttpEngine(int port, BooleanSupplier startOnEventLoop) {
        this.port = port;
        this.startOnEventLoop = startOnEventLoop;
    }

    /**
     * The configured port, not the listening one that Camel's engine asks the server for: the routes' consumers are
     * made before the port opens ({@link ApiHttpServer}), and their router is named after the configured port.
     */
    @Override
    public int getServerPort() {
        return port;
    }

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new Consumer(endpoint, processor, getHandlers(), VertxPlatformHttpRouter.getRouterNameFromPort(getServerPort()));
    }

    private final class Consumer extends VertxPlatformHttpConsumer {

        Consumer(PlatformHttpEndpoint endpoint, Processor processor, List<Handler<RoutingContext>> handlers, String routerName) {
            super(endpoint, processor, handlers, routerName);
        }

        @Override
        protected void handleRequest(RoutingContext ctx) {
            if (isSuspended() || !startOnEventLoop.getAsBoolean()) {
                super.handleRequest(ctx);
                return;
            }
            Exchange exchange = createExchange(false);
            exchange.setPattern(ExchangePattern.InOut);
            processHttpRequest(exchange, ctx).onComplete(populated -> {
                if (populated.failed()) {
                    fail(ctx, exchange, populated.cause());
                    return;
                }
                try {
                    createUoW(exchange);
                } catch (Exception e) {
                    fail(ctx, exchange, e);
                    return;
                }
                // the route goes as far as it can on this thread; whichever thread ends it writes the reply
                getAsyncProcessor().process(exchange, doneSync -> PlatformHttpReplyWriter.write(ctx, exchange, getEndpoint())
                        .onComplete(written -> {
                            if (written.failed()) {
                                fail(ctx, exchange, written.cause());
                            } else {
                                release(exchange);
                            }
                        }));
            });
        }

        private void fail(RoutingContext ctx, Exchange exchange, Throwable failure) {
            getExceptionHandler().handleException("Failed handling platform-http endpoint " + getEndpoint().getPath(), failure);
            ctx.fail(failure);
            release(exchange);
        }

        private void release(Exchange exchange) {
            doneUoW(exchange);
            releaseExchange(exchange, false);
        }
    }
}
