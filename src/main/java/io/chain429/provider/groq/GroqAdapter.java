package io.chain429.provider.groq;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.provider.OpenAiCompatibleAdapter;
import io.chain429.provider.ProviderError;
import io.chain429.provider.UpstreamResponse;
import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.GoDuration;
import io.chain429.ratelimit.LimitObservation;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Groq. Rejects some parameters a client may send harmlessly, and tells a 429's reset per dimension
 * ({@code requests}: a daily window, {@code tokens}: a minute window) in Go duration syntax.
 *
 * <p>{@code n > 1} and unsupported {@code tool_choice} values are left alone: those are the client's choice, and
 * Groq's 400 for them goes back to the client.
 */
public final class GroqAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.groq.com/openai/v1");
    static final List<String> STRIPPED_PARAMETERS = List.of("logprobs", "top_logprobs", "logit_bias");
    private static final List<String> DIMENSIONS = List.of("requests", "tokens");

    public GroqAdapter() {
        super("groq", DEFAULT_BASE_URL);
    }

    @Override
    protected void shapeBody(ObjectNode body, String model, ProviderConfig provider) {
        body.remove(STRIPPED_PARAMETERS);
    }

    /**
     * {@code retry-after} (generic), else the later reset among the exhausted dimensions, i.e. those whose
     * {@code x-ratelimit-remaining-<dimension>} is 0.
     */
    @Override
    protected Optional<Instant> resetAt(UpstreamResponse response, ProviderError error, Instant now) {
        Optional<Instant> generic = super.resetAt(response, error, now);
        if (generic.isPresent()) {
            return generic;
        }
        Optional<Duration> longest = Optional.empty();
        for (String dimension : DIMENSIONS) {
            if (!exhausted(response.header("x-ratelimit-remaining-" + dimension))) {
                continue;
            }
            Optional<Duration> reset = GoDuration.parse(response.header("x-ratelimit-reset-" + dimension));
            if (reset.isPresent() && (longest.isEmpty() || reset.get().compareTo(longest.get()) > 0)) {
                longest = reset;
            }
        }
        return longest.map(now::plus);
    }

    /**
     * OpenAI's header names, but {@code -requests} counts requests per <em>day</em> and {@code -tokens} tokens per
     * minute; resets are Go durations ({@code 2m59.56s}, {@code 7.66s}).
     */
    @Override
    public List<LimitObservation> observeLimits(HttpHeaders headers, Instant now) {
        return openAiStyleLimits(headers, Dimension.RPD, Dimension.TPM, now);
    }

    private static boolean exhausted(String remaining) {
        if (remaining == null) {
            return false;
        }
        try {
            return Double.parseDouble(remaining.trim()) <= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
