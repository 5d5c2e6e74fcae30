package io.chain429.provider.groq;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.provider.OpenAiCompatibleAdapter;
import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.LimitObservation;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.List;

/**
 * Groq. Rejects some parameters a client may send harmlessly, and reports its limits per dimension
 * ({@code requests}: a daily window, {@code tokens}: a minute window) with resets in Go duration syntax; a 429 without
 * {@code retry-after} cools down until the used-up dimension resets (see the base class).
 *
 * <p>{@code n > 1} and unsupported {@code tool_choice} values are left alone: those are the client's choice, and
 * Groq's 400 for them goes back to the client.
 */
public final class GroqAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.groq.com/openai/v1");
    static final List<String> STRIPPED_PARAMETERS = List.of("logprobs", "top_logprobs", "logit_bias");

    public GroqAdapter() {
        super("groq", DEFAULT_BASE_URL);
    }

    @Override
    protected void shapeBody(ObjectNode body, String model, ProviderConfig provider) {
        body.remove(STRIPPED_PARAMETERS);
    }

    /**
     * OpenAI's header names, but {@code -requests} counts requests per <em>day</em> and {@code -tokens} tokens per
     * minute; resets are Go durations ({@code 2m59.56s}, {@code 7.66s}).
     */
    @Override
    public List<LimitObservation> observeLimits(HttpHeaders headers, Instant now) {
        return openAiStyleLimits(headers, Dimension.RPD, Dimension.TPM, now);
    }
}
