package io.chain429.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.core.CallGuard;
import io.chain429.core.Outcome;
import io.chain429.core.ProviderError;
import io.chain429.ratelimit.LimitObservation;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

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

    /**
     * Sends the call; the result completes with the whole answer. Never blocks: requests call it from an event loop.
     * Adapters that answer locally (the demo) override this.
     */
    default CompletionStage<UpstreamResponse> send(ProviderClient client, UpstreamRequest request, CallGuard guard) {
        return client.send(request, guard);
    }

    /**
     * Sends a streaming call; the result completes once its headers are in and {@code onHeaders} took them, on the
     * stream's thread, before any of the body. Never blocks. Adapters that answer locally override this.
     */
    default CompletionStage<UpstreamStream> open(ProviderClient client, UpstreamRequest request, CallGuard guard, Consumer<UpstreamStream> onHeaders) {
        return client.open(request, guard, onHeaders);
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

    /**
     * Whether the provider accepts its configured key: checked at start-up and every {@code keyCheckEvery}, and asked
     * again after it was rejected and its provider disabled. Cheap and free of charge: the default is a
     * {@code GET {baseUrl}/models} with the key as a bearer token, which works when it answers 200 and is rejected when
     * its answer classifies as a request's would ({@link #classify}: a 401/403, or this provider's own way of saying so,
     * such as Gemini's 400 {@code API_KEY_INVALID}). Adapters whose provider has no such endpoint, or answers locally,
     * override this.
     *
     * @throws IOException when the provider could not be reached or did not answer in time (the probe failed)
     */
    default ProbeResult probe(ProviderClient client, ProviderConfig provider) throws IOException, InterruptedException {
        UpstreamResponse answer = client.get(modelsUri(provider.baseUrl()), provider.apiKey());
        boolean rejected = answer.status() >= 300 && classify(answer, "", Instant.now()) instanceof Outcome.AuthFailed;
        return ProbeResult.answered(answer.status(), rejected);
    }

    /** {@code {baseUrl}/models}, whether or not the base URL ends with a slash. */
    static URI modelsUri(URI baseUrl) {
        String base = baseUrl.toString();
        return URI.create(base.endsWith("/") ? base + "models" : base + "/models");
    }

    /**
     * What a key probe found.
     *
     * @param keyWorks    whether the provider accepted the key
     * @param keyRejected whether the provider refused the key itself, as a request's answer would disable it; neither
     *                    this nor {@code keyWorks} (a 404, a 429, a 5xx) says nothing sure about the key
     * @param detail      what it answered, for logs (e.g. {@code HTTP 401}); never the key
     * @param status      the provider's HTTP status; 0 when nothing was asked over HTTP (the demo)
     */
    record ProbeResult(boolean keyWorks, boolean keyRejected, String detail, int status) {

        /** An answer given without asking the provider over HTTP. */
        public ProbeResult(boolean keyWorks, String detail) {
            this(keyWorks, false, detail, 0);
        }

        /** A provider's answer: 200 accepts the key. */
        public static ProbeResult answered(int status, boolean keyRejected) {
            return new ProbeResult(status == 200, keyRejected, "HTTP " + status, status);
        }
    }
}
