package io.chain429.provider.cerebras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.provider.OpenAiCompatibleAdapter;
import io.chain429.provider.ProviderError;
import io.chain429.provider.UpstreamResponse;
import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.LimitObservation;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cerebras. It counts {@code max_completion_tokens} (or, without one, the model's maximum) against the
 * tokens-per-minute limit <em>before</em> generating, so the request is capped; it rejects the penalty parameters;
 * and it reports a 429's reset per dimension in float seconds.
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

    /** Each 429 dimension: its remaining header and its reset header. */
    private static final List<String[]> DIMENSIONS = List.of(
            new String[] {"x-ratelimit-remaining-tokens-minute", "x-ratelimit-reset-tokens-minute"},
            new String[] {"x-ratelimit-remaining-requests-day", "x-ratelimit-reset-requests-day"});

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

    /** The generic headers, else the later reset among the exhausted dimensions (remaining 0). */
    @Override
    protected Optional<Instant> resetAt(UpstreamResponse response, ProviderError error, Instant now) {
        Optional<Instant> generic = super.resetAt(response, error, now);
        if (generic.isPresent()) {
            return generic;
        }
        Optional<Duration> longest = Optional.empty();
        for (String[] dimension : DIMENSIONS) {
            Optional<Double> remaining = number(response.header(dimension[0]));
            if (remaining.isEmpty() || remaining.get() > 0) {
                continue;
            }
            Optional<Duration> reset = number(response.header(dimension[1]))
                    .filter(seconds -> seconds >= 0)
                    .map(seconds -> Duration.ofNanos(Math.round(seconds * 1_000_000_000d)));
            if (reset.isPresent() && (longest.isEmpty() || reset.get().compareTo(longest.get()) > 0)) {
                longest = reset;
            }
        }
        return longest.map(now::plus);
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

    private static Optional<Double> number(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            double number = Double.parseDouble(value.trim());
            return Double.isNaN(number) || Double.isInfinite(number) ? Optional.empty() : Optional.of(number);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
