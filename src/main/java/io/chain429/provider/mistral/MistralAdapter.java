package io.chain429.provider.mistral;

import io.chain429.provider.OpenAiCompatibleAdapter;
import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.LimitObservation;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Mistral La Plateforme. Its token-sized rate-limit headers (`x-ratelimitbysize-*`) give no reset time, so a 429 uses the generic headers or the default cooldown. */
public final class MistralAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.mistral.ai/v1");

    public MistralAdapter() {
        super("mistral", DEFAULT_BASE_URL);
    }

    /**
     * {@code x-ratelimitbysize-{limit,remaining}-minute} (tokens per minute) and {@code -month} (tokens per month);
     * Mistral gives no reset, so {@code resetAt} stays empty.
     */
    @Override
    public List<LimitObservation> observeLimits(HttpHeaders headers, Instant now) {
        return Stream.of(
                        LimitObservation.fromHeaders(headers, Dimension.TPM,
                                "x-ratelimitbysize-limit-minute", "x-ratelimitbysize-remaining-minute", now),
                        LimitObservation.fromHeaders(headers, Dimension.TOKENS_PER_MONTH,
                                "x-ratelimitbysize-limit-month", "x-ratelimitbysize-remaining-month", now))
                .flatMap(Optional::stream)
                .toList();
    }
}
