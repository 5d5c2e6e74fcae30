package io.chain429.security;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.List;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Lets browsers from the configured origins — and only those — call the API. Vert.x Web's CORS handler goes in front
 * of every route of the proxy's HTTP server: it answers preflights itself (with {@code Authorization} among the
 * allowed headers) and adds the response headers; with no origin configured it is not installed at all.
 */
public final class CorsPolicy {

    private CorsPolicy() {
    }

    public static void install(CamelContext context, int port, List<String> origins) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context, VertxPlatformHttpRouter.getRouterNameFromPort(port));
        CorsHandler cors = CorsHandler.create()
                .addOrigins(origins)
                .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS))
                .allowedHeaders(Set.of("Authorization", "Content-Type", "api-key", "OpenAI-Organization", "OpenAI-Project"))
                .exposedHeaders(Set.of("X-429chain-Provider", "X-429chain-Attempts", "X-429chain-Overhead-Ms", "Retry-After"))
                .maxAgeSeconds(600);
        router.route().order(-1000).handler(cors);
    }
}
