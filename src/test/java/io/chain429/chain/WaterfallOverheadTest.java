package io.chain429.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** The {@code X-429chain-Overhead-Ms} value: milliseconds with three decimals, as clients and the benchmark parse it. */
class WaterfallOverheadTest {

    @Test
    void millisecondsWithThreeDecimalsRoundedToTheMicrosecond() {
        assertThat(Waterfall.millisWithThreeDecimals(0)).isEqualTo("0.000");
        assertThat(Waterfall.millisWithThreeDecimals(499)).isEqualTo("0.000");
        assertThat(Waterfall.millisWithThreeDecimals(500)).isEqualTo("0.001");
        assertThat(Waterfall.millisWithThreeDecimals(9_000)).isEqualTo("0.009");
        assertThat(Waterfall.millisWithThreeDecimals(90_000)).isEqualTo("0.090");
        assertThat(Waterfall.millisWithThreeDecimals(1_234_567)).isEqualTo("1.235");
        assertThat(Waterfall.millisWithThreeDecimals(12_000_000)).isEqualTo("12.000");
        assertThat(Waterfall.millisWithThreeDecimals(86_400_000_000_000L)).isEqualTo("86400000.000");
    }

    @Test
    void agreesWithStringFormatAwayFromHalfMicroseconds() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 100_000; i++) {
            long nanos = random.nextLong(0, 10_000_000_000L);
            if (nanos % 1_000 == 500) {
                continue; // a tie: the double String.format rounds is not exactly half a microsecond
            }
            assertThat(Waterfall.millisWithThreeDecimals(nanos)).as("%d ns", nanos)
                    .isEqualTo(String.format(Locale.ROOT, "%.3f", nanos / 1_000_000.0));
        }
    }
}
