package io.chain429.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "250ms, 250",
            "30s, 30000",
            "5m, 300000",
            "1h, 3600000",
            "2d, 172800000",
            "1h30m, 5400000",
            "1.5s, 1500",
            "' 45s ', 45000",
            "0s, 0",
            "0, 0",
    })
    void parsesTheShortSyntax(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"30", "5 m", "m5", "1h30", "-5s", "30sec", "5m 30s", "1w"})
    void rejectsAnythingElseQuotingIt(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected a duration like 30s, 5m or 1h, got '" + text.trim() + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void rejectsAnEmptyValue(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).hasMessage("expected a duration like 30s, 5m or 1h, got an empty value");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> Durations.parse(null)).hasMessageContaining("got an empty value");
    }

    @ParameterizedTest
    @CsvSource({
            "0, 0s",
            "300, 300ms",
            "1500, 1500ms",
            "2000, 2s",
            "90000, 1m30s",
            "5400000, 1h30m",
            "172800000, 2d",
    })
    void formatsAsTheConfigWritesDurationsAndParsesBack(long millis, String text) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }
}
