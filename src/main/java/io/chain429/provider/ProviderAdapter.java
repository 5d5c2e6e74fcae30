package io.chain429.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.chain.Outcome;
import io.chain429.config.ProviderConfig;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;

/**
 * The single home of one provider type's quirks: how to shape a request for it, and how to read what it
 * answers (error shapes, rate-limit hints, response normalization). Nothing outside an adapter may test which
 * provider it is talking to.
 */
public interface ProviderAdapter {

    /** The {@code type:} value in {@code 429chain.yaml}. */
    String type();

    /** Used when the config gives no {@code baseUrl}; empty when one is required. */
    Optional<URI> defaultBaseUrl();

    default boolean requiresApiKey() {
        return true;
    }

    /** Builds the upstream call for one step from the client's request body (which must not be modified). */
    UpstreamRequest prepare(ProviderConfig provider, String model, ObjectNode clientBody);

    /** Sends the call. Adapters that answer locally (the demo) override this; the rest use HTTP. */
    default UpstreamResponse send(ProviderClient client, UpstreamRequest request) throws IOException, InterruptedException {
        return client.send(request);
    }

    /** Classifies the provider's complete answer; a successful completion comes back normalized to OpenAI's schema. */
    Outcome classify(UpstreamResponse response, String model, Instant now);
}
