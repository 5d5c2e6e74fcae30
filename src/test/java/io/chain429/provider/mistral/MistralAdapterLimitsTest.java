package io.chain429.provider.mistral;

import static io.chain429.provider.AdapterFixtures.NOW;
import static io.chain429.ratelimit.LimitFixtures.headers;
import static io.chain429.ratelimit.LimitFixtures.observed;
import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.ratelimit.Dimension;
import java.net.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/** Mistral: token-sized limits per minute and per month, with no reset time (providers.md: unverified). */
class MistralAdapterLimitsTest {

    private final MistralAdapter adapter = new MistralAdapter();

    @Test
    void tokensPerMinuteAndPerMonthWithoutAReset() {
        HttpHeaders recorded = headers(
                "content-type", "application/json",
                "x-ratelimitbysize-limit-minute", "500000",
                "x-ratelimitbysize-remaining-minute", "499872",
                "x-ratelimitbysize-limit-month", "1000000000",
                "x-ratelimitbysize-remaining-month", "999874211");

        assertThat(adapter.observeLimits(recorded, NOW)).containsExactly(
                observed(Dimension.TPM, 500_000L, 499_872L, null, NOW),
                observed(Dimension.TOKENS_PER_MONTH, 1_000_000_000L, 999_874_211L, null, NOW));
    }

    @Test
    void headerNamesAreCaseInsensitive() {
        HttpHeaders recorded = headers(
                "X-RateLimitBySize-Limit-Minute", "500000",
                "X-RateLimitBySize-Remaining-Minute", "0");

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.TPM, 500_000L, 0L, null, NOW));
    }

    @Test
    void aPartialSetGivesWhatItHas() {
        HttpHeaders recorded = headers("x-ratelimitbysize-remaining-month", "12");

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.TOKENS_PER_MONTH, null, 12L, null, NOW));
    }

    @Test
    void malformedValuesAreLeftEmpty() {
        HttpHeaders recorded = headers(
                "x-ratelimitbysize-limit-minute", "500K",
                "x-ratelimitbysize-remaining-minute", "-1",
                "x-ratelimitbysize-limit-month", "1000000000",
                "x-ratelimitbysize-remaining-month", "999874211.75");

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.TOKENS_PER_MONTH, 1_000_000_000L, 999_874_211L, null, NOW));
    }

    @Test
    void otherDialectsAreNotMistrals() {
        HttpHeaders recorded = headers(
                "x-ratelimit-limit-requests", "60",
                "x-ratelimit-remaining-tokens", "5997",
                "x-ratelimit-reset-tokens", "7.66s");

        assertThat(adapter.observeLimits(recorded, NOW)).isEmpty();
    }
}
