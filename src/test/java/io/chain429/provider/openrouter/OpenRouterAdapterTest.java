package io.chain429.provider.openrouter;

import static io.chain429.provider.AdapterFixtures.NOW;
import static io.chain429.provider.AdapterFixtures.json;
import static io.chain429.provider.AdapterFixtures.provider;
import static io.chain429.provider.AdapterFixtures.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.core.Outcome;
import io.chain429.provider.UpstreamRequest;
import io.chain429.provider.UpstreamResponse;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OpenRouterAdapterTest {

    private final OpenRouterAdapter adapter = new OpenRouterAdapter();

    private Optional<Instant> resetOf(UpstreamResponse response) {
        Outcome outcome = adapter.classify(response, "meta-llama/llama-3.3-70b-instruct:free", NOW);
        assertThat(outcome).isInstanceOf(Outcome.RateLimited.class);
        return ((Outcome.RateLimited) outcome).resetAt();
    }

    @Test
    void sendsAttributionHeaders() {
        UpstreamRequest request = adapter.prepare(provider(adapter), "m:free", json("{\"messages\":[]}"));

        assertThat(request.headers())
                .containsEntry("HTTP-Referer", "https://github.com/429chain/429chain")
                .containsEntry("X-Title", "429chain")
                .containsEntry("Content-Type", "application/json");
        assertThat(request.uri().toString()).isEqualTo("https://openrouter.ai/api/v1/chat/completions");
    }

    @Test
    void resetIsAnEpochInMilliseconds() {
        long reset = NOW.plusSeconds(40).toEpochMilli(); // 1795809640000
        assertThat(resetOf(response(429, "{}", "X-RateLimit-Reset", Long.toString(reset))))
                .contains(NOW.plusSeconds(40));
    }

    /**
     * Assumption (providers.md marks the unit "unverified"): a value below 10^11 cannot be milliseconds of a
     * moment after March 1973, so it is read as epoch seconds; 10^11 seconds would be the year 5138.
     */
    @Test
    void resetBelow10To11IsReadAsEpochSeconds() {
        long resetSeconds = NOW.plusSeconds(40).getEpochSecond(); // 1795809640
        assertThat(resetOf(response(429, "{}", "x-ratelimit-reset", Long.toString(resetSeconds))))
                .contains(NOW.plusSeconds(40));
        assertThat(OpenRouterAdapter.epoch("99999999999")).contains(Instant.ofEpochSecond(99_999_999_999L));
        assertThat(OpenRouterAdapter.epoch("100000000000")).contains(Instant.ofEpochMilli(100_000_000_000L));
    }

    @Test
    void fallsBackToGenericHeaders() {
        assertThat(resetOf(response(429, "{}", "retry-after", "8"))).contains(NOW.plusSeconds(8));
        assertThat(resetOf(response(429, "{}", "x-ratelimit-reset", "garbage", "retry-after", "5")))
                .contains(NOW.plusSeconds(5));
    }

    @Test
    void aResetInThePastFallsBack() {
        long past = NOW.minusSeconds(10).toEpochMilli();
        assertThat(resetOf(response(429, "{}", "x-ratelimit-reset", Long.toString(past)))).isEmpty();
        assertThat(resetOf(response(429, "{}", "x-ratelimit-reset", Long.toString(past), "retry-after", "2")))
                .contains(NOW.plusSeconds(2));
    }

    @Test
    void noHintMeansTheDefaultCooldown() {
        assertThat(resetOf(response(429,
                "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: free-models-per-day\",\"metadata\":{}}}")))
                .isEmpty();
    }

    @Test
    void negativeBalanceIsPaymentRequiredEvenOnFreeModels() {
        Outcome outcome = adapter.classify(response(402,
                "{\"error\":{\"code\":402,\"message\":\"Insufficient credits\",\"metadata\":{}}}"), "m:free", NOW);

        assertThat(outcome).isInstanceOf(Outcome.PaymentRequired.class);
    }
}
