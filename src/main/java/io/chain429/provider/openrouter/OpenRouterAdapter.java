package io.chain429.provider.openrouter;

import io.chain429.config.ProviderConfig;
import io.chain429.core.ProviderError;
import io.chain429.provider.OpenAiCompatibleAdapter;
import io.chain429.provider.UpstreamResponse;
import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.LimitObservation;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenRouter. It likes attribution headers, reports a 429's reset as a Unix epoch in {@code X-RateLimit-Reset},
 * and answers 402 when the credit balance is negative, even on {@code :free} models (handled by the base).
 */
public final class OpenRouterAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://openrouter.ai/api/v1");
    public static final String REFERER = "https://github.com/429chain/429chain";
    public static final String TITLE = "429chain";

    /**
     * Below this a reset epoch is taken to be in seconds, above it in milliseconds (OpenRouter documents
     * milliseconds; the assumption is unverified). 10^11 s is the year 5138; 10^11 ms is March 1973.
     */
    static final long SECONDS_EPOCH_LIMIT = 100_000_000_000L;

    public OpenRouterAdapter() {
        super("openrouter", DEFAULT_BASE_URL);
    }

    @Override
    protected Map<String, String> extraHeaders(ProviderConfig provider) {
        return Map.of("HTTP-Referer", REFERER, "X-Title", TITLE);
    }

    /** A reset further ahead than this is a broken header, not a real quota window. */
    private static final java.time.Duration MAX_RESET = java.time.Duration.ofDays(366);

    /** {@code X-RateLimit-Reset} when it names a moment still ahead (within a year), else the generic headers. */
    @Override
    protected Optional<Instant> resetAt(UpstreamResponse response, ProviderError error, Instant now) {
        return epoch(response.header("x-ratelimit-reset"))
                .filter(reset -> reset.isAfter(now) && reset.isBefore(now.plus(MAX_RESET)))
                .or(() -> super.resetAt(response, error, now));
    }

    /**
     * {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset} (an epoch, read by
     * {@link #epoch}) as requests per minute. The reset is reported as given, even when already past.
     */
    @Override
    public List<LimitObservation> observeLimits(HttpHeaders headers, Instant now) {
        return LimitObservation.fromHeaders(headers, Dimension.RPM, "x-ratelimit-limit", "x-ratelimit-remaining",
                        "x-ratelimit-reset", (value, at) -> epoch(value), now)
                .map(List::of)
                .orElse(List.of());
    }

    static Optional<Instant> epoch(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            double number = Double.parseDouble(value.trim());
            if (number <= 0 || Double.isNaN(number) || Double.isInfinite(number)) {
                return Optional.empty();
            }
            long millis = number < SECONDS_EPOCH_LIMIT ? Math.round(number * 1000) : Math.round(number);
            return Optional.of(Instant.ofEpochMilli(millis));
        } catch (NumberFormatException | ArithmeticException e) {
            return Optional.empty();
        }
    }
}
