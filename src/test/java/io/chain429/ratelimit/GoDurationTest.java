package io.chain429.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({
            "2m59.56s,  179560",
            "7.66s,     7660",
            "1h2m3s,    3723000",
            "350ms,     350",
            "1m0s,      60000",
            "0s,        0",
            "0,         0",
            "24h0m0s,   86400000",
            "1.5h,      5400000",
            "+3s,       3000",
            "' 12s ',   12000",
            ".5s,       500",
    })
    void parsesGroqResetValues(String text, long millis) {
        assertThat(GoDuration.parse(text)).contains(Duration.ofMillis(millis));
    }

    @Test
    void subMillisecondUnits() {
        assertThat(GoDuration.parse("1500us")).contains(Duration.ofNanos(1_500_000));
        assertThat(GoDuration.parse("2µs")).contains(Duration.ofNanos(2_000));
        assertThat(GoDuration.parse("2μs")).contains(Duration.ofNanos(2_000));
        assertThat(GoDuration.parse("999ns")).contains(Duration.ofNanos(999));
        assertThat(GoDuration.parse("1s1ms1us1ns")).contains(Duration.ofNanos(1_001_001_001));
    }

    @Test
    void fractionsAreExact() {
        assertThat(GoDuration.parse("0.1s")).contains(Duration.ofMillis(100));
        assertThat(GoDuration.parse("59.999999999s")).contains(Duration.ofNanos(59_999_999_999L));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "5", "12.5", "s", "1x", "1.2.3s", "-1s", "1m-2s", "1S", "1 m", "ms", "1d", "1s garbage", "9999999999999h"})
    void rejectsWhatIsNotAUsableDuration(String text) {
        assertThat(GoDuration.parse(text)).isEmpty();
    }
}
