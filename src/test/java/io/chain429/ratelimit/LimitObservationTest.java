package io.chain429.ratelimit;

import static io.chain429.ratelimit.LimitFixtures.headers;
import static io.chain429.ratelimit.LimitFixtures.observed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class LimitObservationTest {

    private static final Instant NOW = Instant.parse("2026-11-27T20:00:00Z");

    @ParameterizedTest(name = "''{0}'' = {1}")
    @CsvSource({
            "14400,                 14400",
            "0,                     0",
            "-0,                    0",
            "'  5997 ',             5997",
            "+7,                    7",
            "149984.9,              149984",
            "0.999,                 0",
            "1e-999999999,          0",
            "5e5,                   500000",
            "9223372036854775807,   9223372036854775807",
    })
    void countsRoundDown(String text, long expected) {
        assertThat(LimitObservation.count(text)).isEqualTo(OptionalLong.of(expected));
    }

    @ParameterizedTest(name = "''{0}''")
    @NullAndEmptySource
    @ValueSource(strings = {" ", "abc", "NaN", "Infinity", "-1", "-0.5", "1,000", "14_400", "0x10", "500K",
            "9223372036854775808", "1e999999999", "12 tokens"})
    void unreadableCountsAreEmpty(String text) {
        assertThat(LimitObservation.count(text)).isEmpty();
    }

    @Test
    void goDurationResetsCountFromNow() {
        assertThat(LimitObservation.ResetFormat.GO_DURATION.resetAt("2m59.56s", NOW))
                .contains(NOW.plus(Duration.ofMillis(179_560)));
        assertThat(LimitObservation.ResetFormat.GO_DURATION.resetAt("350ms", NOW)).contains(NOW.plusMillis(350));
        assertThat(LimitObservation.ResetFormat.GO_DURATION.resetAt("6m0", NOW)).isEmpty();
        assertThat(LimitObservation.ResetFormat.GO_DURATION.resetAt("-1s", NOW)).isEmpty();
    }

    @Test
    void secondsResetsAreExactDecimals() {
        assertThat(LimitObservation.ResetFormat.SECONDS.resetAt("33011.38", NOW))
                .contains(NOW.plusMillis(33_011_380));
        assertThat(LimitObservation.ResetFormat.SECONDS.resetAt("0", NOW)).contains(NOW);
        assertThat(LimitObservation.ResetFormat.SECONDS.resetAt("33011.38s", NOW)).isEmpty();
        assertThat(LimitObservation.ResetFormat.SECONDS.resetAt("-2", NOW)).isEmpty();
        assertThat(LimitObservation.ResetFormat.SECONDS.resetAt("99999999", NOW)).isEmpty(); // over a year
    }

    @Test
    void readsOneDimensionFromItsHeaders() {
        var recorded = headers("X-RateLimit-Limit-Tokens", "6000", "x-ratelimit-remaining-tokens", "5997",
                "X-RATELIMIT-RESET-TOKENS", "7.66s");

        assertThat(LimitObservation.fromHeaders(recorded, Dimension.TPM, "x-ratelimit-limit-tokens",
                "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", LimitObservation.ResetFormat.GO_DURATION, NOW))
                .contains(observed(Dimension.TPM, 6000L, 5997L, NOW.plusMillis(7_660), NOW));
    }

    @Test
    void aMalformedPartIsLeftEmptyAndTheRestKept() {
        var recorded = headers("l", "6000", "r", "lots", "t", "soon");

        assertThat(LimitObservation.fromHeaders(recorded, Dimension.TPM, "l", "r", "t",
                LimitObservation.ResetFormat.GO_DURATION, NOW))
                .contains(observed(Dimension.TPM, 6000L, null, null, NOW));
    }

    @Test
    void nothingReadableIsNoObservation() {
        assertThat(LimitObservation.fromHeaders(headers(), Dimension.RPM, "l", "r", "t",
                LimitObservation.ResetFormat.GO_DURATION, NOW)).isEmpty();
        assertThat(LimitObservation.fromHeaders(headers("l", "x", "r", "-1", "t", "?"), Dimension.RPM, "l", "r", "t",
                LimitObservation.ResetFormat.GO_DURATION, NOW)).isEmpty();
        assertThat(LimitObservation.fromHeaders(headers("l", ""), Dimension.TPM, "l", "r", NOW)).isEmpty();
        assertThat(LimitObservation.of(Dimension.RPD, OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), NOW))
                .isEmpty();
    }

    @Test
    void withoutAResetHeaderTheResetIsUnknown() {
        assertThat(LimitObservation.fromHeaders(headers("l", "500000", "r", "499950"), Dimension.TPM, "l", "r", NOW))
                .contains(observed(Dimension.TPM, 500_000L, 499_950L, null, NOW));
    }

    @Test
    void aResetFormatThatOverflowsInstantIsUnreadableNotAnError() {
        LimitObservation.ResetFormat far = (value, now) -> Optional.of(now.plusSeconds(Long.parseLong(value)));

        assertThat(LimitObservation.fromHeaders(headers("r", "3", "t", "9223372036854775807"), Dimension.RPM, "l", "r",
                "t", far, NOW)).contains(observed(Dimension.RPM, null, 3L, null, NOW));
    }

    @Test
    void aResetMoreThanAYearAheadIsUnreadable() {
        var recorded = headers("r", "3", "t", "8784h", "t2", "8784h0m1s");

        assertThat(LimitObservation.fromHeaders(recorded, Dimension.RPD, "l", "r", "t",
                LimitObservation.ResetFormat.GO_DURATION, NOW))
                .contains(observed(Dimension.RPD, null, 3L, NOW.plus(Duration.ofDays(366)), NOW));
        assertThat(LimitObservation.fromHeaders(recorded, Dimension.RPD, "l", "r", "t2",
                LimitObservation.ResetFormat.GO_DURATION, NOW))
                .contains(observed(Dimension.RPD, null, 3L, null, NOW));
    }

    @Test
    void exhaustedOnlyWhenNothingIsKnownToRemain() {
        assertThat(observed(Dimension.TPM, 6000L, 0L, null, NOW).exhausted()).isTrue();
        assertThat(observed(Dimension.TPM, 6000L, 1L, null, NOW).exhausted()).isFalse();
        assertThat(observed(Dimension.TPM, 6000L, null, NOW.plusSeconds(7), NOW).exhausted()).isFalse();
    }

    @Test
    void countsCannotBeNegative() {
        assertThatThrownBy(() -> observed(Dimension.RPM, -1L, null, null, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> observed(Dimension.RPM, null, -1L, null, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LimitObservation(Dimension.RPM, OptionalLong.empty(), OptionalLong.empty(),
                Optional.empty(), null)).isInstanceOf(NullPointerException.class);
    }
}
