package io.chain429.provider.cerebras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.provider.OpenAiCompatibleAdapter;
import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.LimitObservation;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Cerebras. It counts {@code max_completion_tokens} (or, without one, the model's maximum) against the
 * tokens-per-minute limit <em>before</em> generating, so the request is capped; it rejects the penalty parameters;
 * and it reports its limits per dimension ({@code -minute}, {@code -hour}, {@code -day}) with resets in float seconds.
 */
public final class CerebrasAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.cerebras.ai/v1");

    /**
     * The most output tokens asked for, since Cerebras reserves them up front against TPM, unless the provider's
     * {@code limits: {maxCompletionTokens: …}} says otherwise.
     */
    public static final int MAX_COMPLETION_TOKENS_CAP = 8192;

    static final List<String> STRIPPED_PARAMETERS = List.of("presence_penalty", "frequency_penalty");
    private static final List<String> TOKEN_LIMIT_FIELDS = List.of("max_completion_tokens", "max_tokens");

    /** The {@code x-ratelimit-*-<suffix>} header sets Cerebras may send, in the order they are reported. */
    private static final List<Map.Entry<String, Dimension>> LIMIT_HEADER_SETS = List.of(
            Map.entry("requests-minute", Dimension.RPM),
            Map.entry("requests-hour", Dimension.RPH),
            Map.entry("requests-day", Dimension.RPD),
            Map.entry("tokens-minute", Dimension.TPM),
            Map.entry("tokens-hour", Dimension.TPH),
            Map.entry("tokens-day", Dimension.TPD));

    public CerebrasAdapter() {
        super("cerebras", DEFAULT_BASE_URL);
    }

    @Override
    protected void shapeBody(ObjectNode body, String model, ProviderConfig provider) {
        body.remove(STRIPPED_PARAMETERS);
        int cap = completionTokensCap(provider);
        boolean given = false;
        for (String field : TOKEN_LIMIT_FIELDS) {
            JsonNode value = body.get(field);
            if (value == null || value.isNull()) {
                body.remove(field);
                continue;
            }
            given = true;
            if (value.isNumber() && value.asDouble() > cap) {
                body.put(field, cap);
            }
        }
        if (!given) {
            body.put("max_completion_tokens", cap);
        }
    }

    /** The configured {@code limits.maxCompletionTokens}, else {@link #MAX_COMPLETION_TOKENS_CAP}. */
    static int completionTokensCap(ProviderConfig provider) {
        Integer configured = provider == null || provider.limits() == null ? null : provider.limits().maxCompletionTokens();
        return configured != null ? configured : MAX_COMPLETION_TOKENS_CAP;
    }

    /**
     * {@code x-ratelimit-{limit,remaining,reset}-requests-day} and {@code -tokens-minute} (and {@code -requests-minute},
     * {@code -requests-hour}, {@code -tokens-hour}, {@code -tokens-day} when present); resets in float seconds
     * ({@code 33011.38}).
     */
    @Override
    public List<LimitObservation> observeLimits(HttpHeaders headers, Instant now) {
        return LIMIT_HEADER_SETS.stream()
                .flatMap(set -> LimitObservation.fromHeaders(headers, set.getValue(),
                        "x-ratelimit-limit-" + set.getKey(), "x-ratelimit-remaining-" + set.getKey(),
                        "x-ratelimit-reset-" + set.getKey(), LimitObservation.ResetFormat.SECONDS, now).stream())
                .toList();
    }
}
