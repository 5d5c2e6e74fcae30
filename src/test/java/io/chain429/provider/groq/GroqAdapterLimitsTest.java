package io.chain429.provider.groq;

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

/** Groq: OpenAI's header names, but requests are counted per day and tokens per minute. */
class GroqAdapterLimitsTest {

    private final GroqAdapter adapter = new GroqAdapter();

    @Test
    void requestsArePerDayAndTokensPerMinute() {
        HttpHeaders recorded = headers( // as Groq documents them on a 200
                "content-type", "application/json",
                "x-groq-region", "us-east-1",
                "x-ratelimit-limit-requests", "14400",
                "x-ratelimit-limit-tokens", "6000",
                "x-ratelimit-remaining-requests", "14370",
                "x-ratelimit-remaining-tokens", "5997",
                "x-ratelimit-reset-requests", "2m59.56s",
                "x-ratelimit-reset-tokens", "7.66s");

        assertThat(adapter.observeLimits(recorded, NOW)).containsExactly(
                observed(Dimension.RPD, 14_400L, 14_370L, NOW.plus(Duration.ofMillis(179_560)), NOW),
                observed(Dimension.TPM, 6_000L, 5_997L, NOW.plus(Duration.ofMillis(7_660)), NOW));
    }

    @Test
    void aRateLimitedAnswerShowsTheExhaustedDimension() {
        HttpHeaders recorded = headers(
                "retry-after", "8",
                "x-ratelimit-limit-requests", "1000",
                "x-ratelimit-limit-tokens", "12000",
                "x-ratelimit-remaining-requests", "812",
                "x-ratelimit-remaining-tokens", "0",
                "x-ratelimit-reset-requests", "1h2m3s",
                "x-ratelimit-reset-tokens", "7.66s");

        List<LimitObservation> observations = adapter.observeLimits(recorded, NOW);

        assertThat(observations).containsExactly(
                observed(Dimension.RPD, 1_000L, 812L, NOW.plusSeconds(3_723), NOW),
                observed(Dimension.TPM, 12_000L, 0L, NOW.plus(Duration.ofMillis(7_660)), NOW));
        assertThat(observations).extracting(LimitObservation::exhausted).containsExactly(false, true);
    }

    @Test
    void aPartialSetGivesWhatItHas() {
        HttpHeaders recorded = headers(
                "x-ratelimit-limit-tokens", "6000",
                "x-ratelimit-remaining-tokens", "5400",
                "x-ratelimit-reset-tokens", "350ms");

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.TPM, 6_000L, 5_400L, NOW.plusMillis(350), NOW));
    }

    @Test
    void malformedValuesAreLeftEmpty() {
        HttpHeaders recorded = headers(
                "x-ratelimit-limit-requests", "14,400",
                "x-ratelimit-remaining-requests", "14370",
                "x-ratelimit-reset-requests", "2m59.56", // the seconds lost their unit
                "x-ratelimit-limit-tokens", "6k",
                "x-ratelimit-remaining-tokens", "-3",
                "x-ratelimit-reset-tokens", "-7.66s");

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.RPD, null, 14_370L, null, NOW));
    }

    @Test
    void fractionalRemainingRoundsDown() {
        assertThat(adapter.observeLimits(headers("x-ratelimit-remaining-tokens", "5996.9"), NOW))
                .containsExactly(observed(Dimension.TPM, null, 5_996L, null, NOW));
    }

    @Test
    void noHeadersNoObservations() {
        assertThat(adapter.observeLimits(headers("content-type", "application/json"), NOW)).isEmpty();
    }
}
