package io.chain429.api;

import io.chain429.config.ListenAddress;
import io.chain429.config.RuntimeSettings.ClientTimeouts;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.MainHttpServerFactory;

/**
 * Makes Camel Main's HTTP server ({@code camel.server.enabled}) an {@link ApiHttpServer}: Camel Main takes this factory
 * from the registry in place of its own. Camel's factory still reads the {@code camel.server.*} settings (body limit,
 * TLS, ...) into the server's configuration.
 */
public final class ApiHttpServerFactory implements MainHttpServerFactory {

    private final DefaultMainHttpServerFactory camel = new DefaultMainHttpServerFactory();
    private final ListenAddress address;
    private final ClientTimeouts timeouts;

    public ApiHttpServerFactory(ListenAddress address, ClientTimeouts timeouts) {
        this.address = address;
        this.timeouts = timeouts;
    }

    @Override
    public Service newHttpServer(CamelContext camelContext, HttpServerConfigurationProperties properties) {
        VertxPlatformHttpServerConfiguration configuration = ((MainHttpServer) camel.newHttpServer(camelContext, properties)).getConfiguration();
        configuration.setServerType(VertxPlatformHttpRouter.SERVER_TYPE_SERVER);
        return new ApiHttpServer(configuration, address, timeouts);
    }

    @Override
    public Service newHttpManagementServer(CamelContext camelContext, HttpManagementServerConfigurationProperties properties) {
        return camel.newHttpManagementServer(camelContext, properties);
    }
}
