package io.chain429.provider.openrouter;

import static io.chain429.provider.AdapterFixtures.NOW;
import static io.chain429.ratelimit.LimitFixtures.headers;
import static io.chain429.ratelimit.LimitFixtures.observed;
import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.LimitObservation;
import java.net.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenRouter: one request bucket, its reset an epoch in milliseconds (seconds accepted). */
class OpenRouterAdapterLimitsTest {

    private final OpenRouterAdapter adapter = new OpenRouterAdapter();

    @Test
    void aFullSetIsRequestsPerMinute() {
        HttpHeaders recorded = headers(
                "content-type", "application/json",
                "X-RateLimit-Limit", "20",
                "X-RateLimit-Remaining", "19",
                "X-RateLimit-Reset", "1795809660000"); // NOW + 60 s, in ms

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.RPM, 20L, 19L, NOW.plusSeconds(60), NOW));
    }

    @Test
    void aRateLimitedAnswerIsExhausted() {
        HttpHeaders recorded = headers(
                "x-ratelimit-limit", "20",
                "x-ratelimit-remaining", "0",
                "x-ratelimit-reset", Long.toString(NOW.plusSeconds(40).toEpochMilli()));

        List<LimitObservation> observations = adapter.observeLimits(recorded, NOW);

        assertThat(observations).containsExactly(observed(Dimension.RPM, 20L, 0L, NOW.plusSeconds(40), NOW));
        assertThat(observations.get(0).exhausted()).isTrue();
    }

    /** The same reading of the reset as a 429's cooldown: below 10^11 it is taken as epoch seconds. */
    @Test
    void aResetInEpochSecondsIsAccepted() {
        HttpHeaders recorded = headers(
                "x-ratelimit-remaining", "3",
                "x-ratelimit-reset", Long.toString(NOW.plusSeconds(40).getEpochSecond())); // 1795809640

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.RPM, null, 3L, NOW.plusSeconds(40), NOW));
    }

    @Test
    void aResetAlreadyPastIsReportedAsGiven() {
        HttpHeaders recorded = headers("x-ratelimit-reset", Long.toString(NOW.minusSeconds(10).toEpochMilli()));

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.RPM, null, null, NOW.minusSeconds(10), NOW));
    }

    @Test
    void malformedValuesAreLeftEmpty() {
        HttpHeaders recorded = headers(
                "X-RateLimit-Limit", "20",
                "X-RateLimit-Remaining", "19.8",
                "X-RateLimit-Reset", "tomorrow");

        assertThat(adapter.observeLimits(recorded, NOW))
                .containsExactly(observed(Dimension.RPM, 20L, 19L, null, NOW));
        assertThat(adapter.observeLimits(headers("X-RateLimit-Limit", "twenty", "X-RateLimit-Remaining", "-1",
                "X-RateLimit-Reset", "-1795809660000"), NOW)).isEmpty();
    }

    /** Long.MAX_VALUE ms would be the year 292,278,994: a broken header, not a window. */
    @Test
    void aResetCenturiesAheadIsUnreadable() {
        HttpHeaders recorded = headers("x-ratelimit-remaining", "7", "x-ratelimit-reset", "9223372036854775807");

        assertThat(adapter.observeLimits(recorded, NOW)).containsExactly(observed(Dimension.RPM, null, 7L, null, NOW));
    }

    @Test
    void noHeadersNoObservations() {
        assertThat(adapter.observeLimits(headers("content-type", "text/event-stream"), NOW)).isEmpty();
        assertThat(adapter.observeLimits(headers("x-ratelimit-remaining-requests", "19"), NOW)).isEmpty();
    }
}
