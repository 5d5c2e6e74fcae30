package io.chain429.provider.cerebras;

import static io.chain429.provider.AdapterFixtures.NOW;
import static io.chain429.ratelimit.LimitFixtures.headers;
import static io.chain429.ratelimit.LimitFixtures.observed;
import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.LimitObservation;
import java.net.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cerebras: one header set per dimension, named by unit and window, resets in float seconds. */
class CerebrasAdapterLimitsTest {

    private final CerebrasAdapter adapter = new CerebrasAdapter();

    @Test
    void requestsPerDayAndTokensPerMinute() {
        HttpHeaders recorded = headers( // as Cerebras sends them on a 200
                "content-type", "application/json",
                "x-ratelimit-limit-requests-day", "14400",
                "x-ratelimit-limit-tokens-minute", "60000",
                "x-ratelimit-remaining-requests-day", "14399",
                "x-ratelimit-remaining-tokens-minute", "59013",
                "x-ratelimit-reset-requests-day", "33011.38",
                "x-ratelimit-reset-tokens-minute", "11.38");

        assertThat(adapter.observeLimits(recorded, NOW)).containsExactly(
                observed(Dimension.RPD, 14_400L, 14_399L, NOW.plusMillis(33_011_380), NOW),
                observed(Dimension.TPM, 60_000L, 59_013L, NOW.plusMillis(11_380), NOW));
    }

    @Test
    void everyWindowWhenAllArePresent() {
        HttpHeaders recorded = headers(
                "x-ratelimit-limit-requests-minute", "30",
                "x-ratelimit-remaining-requests-minute", "29",
                "x-ratelimit-reset-requests-minute", "41.2",
                "x-ratelimit-limit-requests-hour", "900",
                "x-ratelimit-remaining-requests-hour", "880",
                "x-ratelimit-reset-requests-hour", "1841",
                "x-ratelimit-limit-requests-day", "14400",
                "x-ratelimit-remaining-requests-day", "14300",
                "x-ratelimit-reset-requests-day", "33011.38",
                "x-ratelimit-limit-tokens-minute", "60000",
                "x-ratelimit-remaining-tokens-minute", "0",
                "x-ratelimit-reset-tokens-minute", "11.38",
                "x-ratelimit-limit-tokens-hour", "1000000",
                "x-ratelimit-remaining-tokens-hour", "940000",
                "x-ratelimit-reset-tokens-hour", "1841",
                "x-ratelimit-limit-tokens-day", "1000000",
                "x-ratelimit-remaining-tokens-day", "812345",
                "x-ratelimit-reset-tokens-day", "33011.38");

        List<LimitObservation> observations = adapter.observeLimits(recorded, NOW);

        assertThat(observations).containsExactly(
                observed(Dimension.RPM, 30L, 29L, NOW.plusMillis(41_200), NOW),
                observed(Dimension.RPH, 900L, 880L, NOW.plusSeconds(1_841), NOW),
                observed(Dimension.RPD, 14_400L, 14_300L, NOW.plusMillis(33_011_380), NOW),
                observed(Dimension.TPM, 60_000L, 0L, NOW.plusMillis(11_380), NOW),
                observed(Dimension.TPH, 1_000_000L, 940_000L, NOW.plusSeconds(1_841), NOW),
                observed(Dimension.TPD, 1_000_000L, 812_345L, NOW.plusMillis(33_011_380), NOW));
        assertThat(observations).filteredOn(LimitObservation::exhausted)
                .extracting(LimitObservation::dimension).containsExactly(Dimension.TPM);
    }

    @Test
    void aPartialSetGivesWhatItHas() {
        HttpHeaders recorded = headers(
                "x-ratelimit-remaining-tokens-minute", "0",
                "x-ratelimit-reset-tokens-minute", "59.5");

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.TPM, null, 0L, NOW.plusMillis(59_500), NOW));
    }

    @Test
    void malformedValuesAreLeftEmpty() {
        HttpHeaders recorded = headers(
                "x-ratelimit-limit-requests-day", "14400",
                "x-ratelimit-remaining-requests-day", "many",
                "x-ratelimit-reset-requests-day", "33011.38s", // seconds are bare numbers here
                "x-ratelimit-limit-tokens-minute", "-60000",
                "x-ratelimit-remaining-tokens-minute", "59012.6",
                "x-ratelimit-reset-tokens-minute", "NaN");

        assertThat(adapter.observeLimits(recorded, NOW)).containsExactly(
                observed(Dimension.RPD, 14_400L, null, null, NOW),
                observed(Dimension.TPM, null, 59_012L, null, NOW));
    }

    @Test
    void negativeOrYearLongResetsAreUnreadable() {
        HttpHeaders recorded = headers(
                "x-ratelimit-remaining-requests-day", "5",
                "x-ratelimit-reset-requests-day", "-1",
                "x-ratelimit-remaining-tokens-minute", "5",
                "x-ratelimit-reset-tokens-minute", "40000000");

        assertThat(adapter.observeLimits(recorded, NOW)).containsExactly(
                observed(Dimension.RPD, null, 5L, null, NOW),
                observed(Dimension.TPM, null, 5L, null, NOW));
    }

    @Test
    void openAisHeaderNamesAreNotCerebras() {
        HttpHeaders recorded = headers(
                "x-ratelimit-limit-requests", "14400",
                "x-ratelimit-remaining-tokens", "5997",
                "x-ratelimit-reset-tokens", "7.66s");

        assertThat(adapter.observeLimits(recorded, NOW)).isEmpty();
    }
}
