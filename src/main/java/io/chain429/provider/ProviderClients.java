package io.chain429.provider;

import io.chain429.config.ProviderConfig.Timeouts;
import io.vertx.core.Vertx;

/**
 * Makes the providers' HTTP clients, all on the Vert.x instance that serves 429chain's clients, each with its own
 * pool of up to {@code maxConnections} keep-alive connections.
 *
 * @param maxConnections the most requests 429chain serves at once ({@code CHAIN429_MAX_CONCURRENT_REQUESTS}): each may
 *                       hold one stream open on the same provider
 */
public record ProviderClients(Vertx vertx, int maxConnections) {

    public ProviderClient client(Timeouts timeouts) {
        return new ProviderClient(vertx, timeouts, maxConnections);
    }
}
