package io.chain429.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.chain.Outcome;
import io.chain429.config.ProviderConfig;
import io.chain429.ratelimit.LimitObservation;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.List;
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

    /** Sends the call and reads the whole answer. Adapters that answer locally (the demo) override this. */
    default UpstreamResponse send(ProviderClient client, UpstreamRequest request, CallGuard guard) throws IOException, InterruptedException {
        return client.send(request, guard);
    }

    /** Sends a streaming call and returns once its headers are in. Adapters that answer locally override this. */
    default UpstreamStream open(ProviderClient client, UpstreamRequest request, CallGuard guard) throws IOException, InterruptedException {
        return client.open(request, guard);
    }

    /** Classifies the provider's complete answer; a successful completion comes back normalized to OpenAI's schema. */
    Outcome classify(UpstreamResponse response, String model, Instant now);

    /** A reader for one stream's events, normalizing each chunk to OpenAI's schema. */
    ChunkReader chunkReader(String model, Instant now);

    /** Classifies an in-band error event that arrived before the first token, as if it had been an HTTP error. */
    Outcome classifyStreamError(ProviderError error, Instant now);

    /**
     * What the headers of any response (2xx or not, streaming or not) tell about this provider's rate limits, one
     * observation per dimension they mention, so a provider can be skipped before it answers 429. Never throws: an
     * unreadable value leaves that part of the observation empty; a dimension with nothing readable is left out.
     * Each observation's {@code observedAt} is {@code now}. The default: the provider says nothing.
     */
    default List<LimitObservation> observeLimits(HttpHeaders headers, Instant now) {
        return List.of();
    }
}
