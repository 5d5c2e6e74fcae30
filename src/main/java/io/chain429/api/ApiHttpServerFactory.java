package io.chain429.api;

import io.chain429.api.connection.ClientRefusals;
import io.chain429.config.ConfigException;
import io.chain429.config.ListenAddress;
import io.chain429.config.RuntimeSettings.ClientTimeouts;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.MainHttpServerFactory;

/**
 * Makes Camel Main's HTTP server ({@code camel.server.enabled}) an {@link ApiHttpServer}: Camel Main takes this factory
 * from the registry in place of its own (camel-platform-http-main, which 429chain does without).
 *
 * <p>The {@code camel.server.*} settings the API port honours are read here, as Camel's
 * {@code DefaultMainHttpServerFactory.newHttpServer} read them into {@code MainHttpServer}'s configuration: host, port,
 * path, maxBodySize, useGlobalSslContextParameters, fileUploadEnabled and fileUploadDirectory. Those that would change
 * who may call the API or what it serves (authentication, static files) are refused at start-up rather than ignored.
 */
public final class ApiHttpServerFactory implements MainHttpServerFactory {

    private final ListenAddress address;
    private final ClientTimeouts timeouts;
    private final ClientRefusals refusals;

    public ApiHttpServerFactory(ListenAddress address, ClientTimeouts timeouts, ClientRefusals refusals) {
        this.address = address;
        this.timeouts = timeouts;
        this.refusals = refusals;
    }

    @Override
    public Service newHttpServer(CamelContext camelContext, HttpServerConfigurationProperties properties) {
        return new ApiHttpServer(configuration(properties), address, timeouts, refusals);
    }

    /** 429chain's operator port is its own ({@code io.chain429.ops}); Camel Main asks for this on camel.management.enabled. */
    @Override
    public Service newHttpManagementServer(CamelContext camelContext, HttpManagementServerConfigurationProperties properties) {
        throw unsupported("camel.management.enabled", "429chain's operator port is CHAIN429_MANAGEMENT_PORT (/health, /metrics, the console)");
    }

    static VertxPlatformHttpServerConfiguration configuration(HttpServerConfigurationProperties properties) {
        refuse(properties.isAuthenticationEnabled(), "camel.server.authenticationEnabled",
                "clients authenticate with CHAIN429_API_KEYS or the clients in 429chain.yaml");
        refuse(properties.isStaticEnabled(), "camel.server.staticEnabled", "the API port serves no static files");
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setServerType(VertxPlatformHttpRouter.SERVER_TYPE_SERVER);
        configuration.setBindHost(properties.getHost());
        configuration.setBindPort(properties.getPort());
        configuration.setPath(properties.getPath());
        if (properties.getMaxBodySize() != null) {
            configuration.setMaxBodySize(properties.getMaxBodySize());
        }
        configuration.setUseGlobalSslContextParameters(properties.isUseGlobalSslContextParameters());
        // unset, Camel's body handler puts uploads in a temporary folder of its own, as camel-platform-http-main did
        configuration.getBodyHandler().setHandleFileUploads(properties.isFileUploadEnabled());
        configuration.getBodyHandler().setUploadsDirectory(properties.getFileUploadDirectory());
        return configuration;
    }

    private static void refuse(boolean set, String option, String why) {
        if (set) {
            throw unsupported(option, why);
        }
    }

    /** A setting of Camel's that 429chain does otherwise: the user's to change, so one line and exit code 2 (see App). */
    private static ConfigException unsupported(String option, String why) {
        return new ConfigException(option, 0, null, "not supported: " + why);
    }
}
