package io.chain429.provider;

import static io.chain429.provider.AdapterFixtures.NOW;
import static io.chain429.ratelimit.LimitFixtures.headers;
import static io.chain429.ratelimit.LimitFixtures.observed;
import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.LimitObservation;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** OpenAI's own rate-limit headers, read by the base adapter (and so by openai, nvidia, github, openai-compatible). */
class OpenAiCompatibleAdapterLimitsTest {

    private final OpenAiCompatibleAdapter adapter = new OpenAiCompatibleAdapter();

    /** As OpenAI documents them on a 200. */
    private static final HttpHeaders OPENAI_SUCCESS = headers(
            "content-type", "application/json",
            "openai-processing-ms", "412",
            "x-ratelimit-limit-requests", "60",
            "x-ratelimit-limit-tokens", "150000",
            "x-ratelimit-remaining-requests", "59",
            "x-ratelimit-remaining-tokens", "149984",
            "x-ratelimit-reset-requests", "1s",
            "x-ratelimit-reset-tokens", "6m0s");

    @Test
    void aFullSetGivesRequestsAndTokensPerMinute() {
        assertThat(adapter.observeLimits(OPENAI_SUCCESS, NOW)).containsExactly(
                observed(Dimension.RPM, 60L, 59L, NOW.plusSeconds(1), NOW),
                observed(Dimension.TPM, 150_000L, 149_984L, NOW.plusSeconds(360), NOW));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "nvidia", "github", "openai-compatible"})
    void providersSpeakingOpenAisDialectReadItTheSameWay(String type) {
        ProviderAdapter builtIn = AdapterRegistry.builtIn().adapter(type);

        assertThat(builtIn.observeLimits(OPENAI_SUCCESS, NOW)).containsExactly(
                observed(Dimension.RPM, 60L, 59L, NOW.plusSeconds(1), NOW),
                observed(Dimension.TPM, 150_000L, 149_984L, NOW.plusSeconds(360), NOW));
    }

    @Test
    void headerNamesAreCaseInsensitive() {
        HttpHeaders recorded = headers(
                "X-RateLimit-Limit-Requests", "500",
                "X-RateLimit-Remaining-Requests", "499",
                "X-RateLimit-Reset-Requests", "120ms");

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.RPM, 500L, 499L, NOW.plusMillis(120), NOW));
    }

    @Test
    void aRateLimitedStreamStillTellsWhatIsLeft() {
        HttpHeaders recorded = headers(
                "content-type", "text/event-stream",
                "x-ratelimit-limit-tokens", "30000",
                "x-ratelimit-remaining-tokens", "0",
                "x-ratelimit-reset-tokens", "1m30.5s");

        List<LimitObservation> observations = adapter.observeLimits(recorded, NOW);

        assertThat(observations).containsExactly(
                observed(Dimension.TPM, 30_000L, 0L, NOW.plus(Duration.ofMillis(90_500)), NOW));
        assertThat(observations.get(0).exhausted()).isTrue();
    }

    @Test
    void aPartialSetGivesWhatItHas() {
        HttpHeaders recorded = headers(
                "x-ratelimit-remaining-requests", "9",
                "x-ratelimit-reset-tokens", "350ms");

        assertThat(adapter.observeLimits(recorded, NOW)).containsExactly(
                observed(Dimension.RPM, null, 9L, null, NOW),
                observed(Dimension.TPM, null, null, NOW.plusMillis(350), NOW));
    }

    @Test
    void malformedValuesAreLeftEmpty() {
        HttpHeaders recorded = headers(
                "x-ratelimit-limit-requests", "sixty",
                "x-ratelimit-remaining-requests", "-1",
                "x-ratelimit-reset-requests", "6m0", // no unit on the last number
                "x-ratelimit-limit-tokens", "150000",
                "x-ratelimit-remaining-tokens", "149983.7",
                "x-ratelimit-reset-tokens", "soon");

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.TPM, 150_000L, 149_983L, null, NOW));
    }

    @Test
    void aResponseWithoutSuchHeadersSaysNothing() {
        assertThat(adapter.observeLimits(headers(
                "content-type", "application/json",
                "date", "Fri, 27 Nov 2026 20:00:00 GMT",
                "retry-after", "8"), NOW)).isEmpty();
        assertThat(adapter.observeLimits(headers(), NOW)).isEmpty();
    }

    @Test
    void otherProvidersDialectsAreNotOpenAis() {
        HttpHeaders cerebrasAndOpenRouter = headers(
                "x-ratelimit-limit-requests-day", "14400",
                "x-ratelimit-remaining-tokens-minute", "59000",
                "X-RateLimit-Limit", "20",
                "x-ratelimitbysize-limit-minute", "500000");

        assertThat(adapter.observeLimits(cerebrasAndOpenRouter, NOW)).isEmpty();
    }

    @Test
    void geminiAndTheDemoSayNothingOnSuccess() {
        HttpHeaders geminiSuccess = headers(
                "content-type", "application/json",
                "server", "scaffolding on HTTPServer2",
                "server-timing", "gfet4t7; dur=612",
                "x-gemini-service-tier", "standard");
        AdapterRegistry registry = AdapterRegistry.builtIn();

        assertThat(registry.adapter("gemini").observeLimits(geminiSuccess, NOW)).isEmpty();
        assertThat(registry.adapter("demo").observeLimits(headers("content-type", "text/event-stream"), NOW)).isEmpty();
    }

    /** Whatever a provider sends, no built-in adapter throws, and nothing unreadable becomes a number. */
    @ParameterizedTest
    @ValueSource(strings = {"", " ", "abc", "NaN", "-Infinity", "-5", "1,000", "9223372036854775808", "1e999999999",
            "99999999999999999999h", "1e400"})
    void garbageInEveryKnownHeaderIsIgnoredByEveryAdapter(String garbage) {
        String[] names = {
                "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
                "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens",
                "x-ratelimit-limit-requests-day", "x-ratelimit-remaining-requests-day", "x-ratelimit-reset-requests-day",
                "x-ratelimit-limit-tokens-minute", "x-ratelimit-remaining-tokens-minute",
                "x-ratelimit-reset-tokens-minute", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
                "x-ratelimitbysize-limit-minute", "x-ratelimitbysize-remaining-minute",
                "x-ratelimitbysize-limit-month", "x-ratelimitbysize-remaining-month"};
        String[] namesAndValues = new String[names.length * 2];
        for (int i = 0; i < names.length; i++) {
            namesAndValues[2 * i] = names[i];
            namesAndValues[2 * i + 1] = garbage;
        }
        HttpHeaders recorded = headers(namesAndValues);
        AdapterRegistry registry = AdapterRegistry.builtIn();

        for (String type : registry.names()) {
            assertThat(registry.adapter(type).observeLimits(recorded, NOW)).as(type).isEmpty();
        }
    }
}
