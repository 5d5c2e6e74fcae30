package io.chain429.api;

import io.chain429.api.connection.ClientRefusals;
import io.chain429.api.connection.GuardedHttpServer;
import io.chain429.config.ListenAddress;
import io.chain429.config.RuntimeSettings.ClientTimeouts;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.CamelContext;
import org.apache.camel.Ordered;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.component.vertx.common.VertxHelper;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API port's server: Camel's platform-http server on Vert.x (its router, body handler and {@code camel.server.*}
 * configuration), except for when and how the port opens.
 *
 * <p>Camel's server listens as soon as it starts, before the routes: until their consumers had added themselves to
 * its router (0.3–0.5 s: the management server and the MBeans start in between), every request was answered 404. This
 * one prepares its router when it starts, since the consumers need it, and opens the port once Camel has started every
 * route. Until then a connection is refused, which clients and load balancers retry; nothing is answered wrongly.
 *
 * <p>Camel's server also reports a port it cannot bind only in its log (a warning, and a stack trace from the event
 * loop) and lets start-up go on, serving nothing while another process answers. Here that stops start-up with one line
 * naming the setting ({@link ListenAddress}).
 *
 * <p>And the port is Vert.x's HTTP server made strict ({@link GuardedHttpServer}): a client has
 * {@code CHAIN429_HEADER_TIMEOUT}, {@code CHAIN429_BODY_TIMEOUT} and {@code CHAIN429_KEEP_ALIVE_TIMEOUT} to send its
 * requests, and a request framed ambiguously is refused.
 */
public final class ApiHttpServer extends VertxPlatformHttpServer implements StartupListener, Ordered {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHttpServer.class);

    private final VertxPlatformHttpServerConfiguration configuration;
    private final ListenAddress address;
    private final ClientTimeouts timeouts;
    private final ClientRefusals refusals;
    private volatile HttpServer server;

    public ApiHttpServer(VertxPlatformHttpServerConfiguration configuration, ListenAddress address, ClientTimeouts timeouts,
                         ClientRefusals refusals) {
        super(configuration);
        this.configuration = configuration;
        this.address = address;
        this.timeouts = timeouts;
        this.refusals = refusals;
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        getCamelContext().addStartupListener(this);
    }

    @Override
    protected void doStart() {
        initializeServer(); // the router, in the registry for the routes' consumers; the port opens later
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // the routes' consumers have not started yet
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
        address.open(this::listen);
    }

    /** After the other listeners: the management port opens first, so the API port opening means 429chain is up. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST;
    }

    private void listen() throws Exception {
        HttpServerOptions options = new HttpServerOptions();
        SSLContextParameters tls = configuration.getSslContextParameters() != null ? configuration.getSslContextParameters()
                : configuration.isUseGlobalSslContextParameters() ? getCamelContext().getSSLContextParameters() : null;
        if (tls != null) {
            VertxHelper.setupSSLOptions(getCamelContext(), tls, options);
        }
        // Camel's own top router is out of reach: this one mounts the routes' router the same way
        Router root = Router.router(getVertx());
        root.route(configuration.getPath() + "*").subRouter(
                VertxPlatformHttpRouter.lookup(getCamelContext(), VertxPlatformHttpRouter.getRouterNameFromPort(configuration.getPort())));
        HttpServer listening = new GuardedHttpServer(getVertx(), options, timeouts, refusals).requestHandler(root);
        listening.listen(configuration.getBindPort(), configuration.getBindHost()).toCompletionStage().toCompletableFuture().get();
        server = listening;
    }

    @Override
    protected void stopServer() {
        HttpServer listening = server;
        server = null;
        if (listening != null) {
            try {
                listening.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("the API port did not close cleanly: {}", e.toString());
            }
        }
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public int getPort() {
        HttpServer listening = server;
        return listening != null ? listening.actualPort() : configuration.getBindPort();
    }
}
