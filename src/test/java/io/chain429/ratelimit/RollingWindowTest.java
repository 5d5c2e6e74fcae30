package io.chain429.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Sums over the last minute and the last day in fixed buckets: what counts, until when, and at what memory. */
class RollingWindowTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00.250Z");

    @Test
    void anAmountCountsUntilItsWholeSecondHasLeftTheMinute() {
        RollingWindow minute = RollingWindow.minute();
        minute.add(T0, 3);
        minute.add(T0.plusMillis(800), 2); // the next second

        assertThat(minute.sum(T0.plusSeconds(59))).isEqualTo(5);
        assertThat(minute.oldestLeavesAt(T0)).contains(Instant.parse("2026-12-07T10:01:01Z"));
        assertThat(minute.sum(Instant.parse("2026-12-07T10:01:00.999Z"))).as("held to the end of its second").isEqualTo(5);
        assertThat(minute.sum(Instant.parse("2026-12-07T10:01:01Z"))).isEqualTo(2);
        assertThat(minute.sum(Instant.parse("2026-12-07T10:01:02Z"))).isZero();
        assertThat(minute.isEmpty(Instant.parse("2026-12-07T10:01:02Z"))).isTrue();
    }

    @Test
    void aDayIsCountedInFiveMinuteBucketsAndReusesThemDayAfterDay() {
        RollingWindow day = RollingWindow.day();
        Instant at = T0;
        for (int i = 0; i < 3 * 24 * 60; i++) { // three days, a request a minute
            day.add(at, 1);
            at = at.plus(Duration.ofMinutes(1));
        }

        // the last 24 h, plus up to one bucket held longer: never fewer than a list of every request would count
        assertThat(day.sum(at)).isBetween(24L * 60, 24L * 60 + 5);
    }

    @Test
    void negativeCorrectionsNeverTakeTheSumBelowZero() {
        RollingWindow minute = RollingWindow.minute();
        minute.add(T0, 100);
        minute.add(T0.plusSeconds(1), -40);

        assertThat(minute.sum(T0.plusSeconds(2))).isEqualTo(60);
        assertThat(minute.sum(T0.plusSeconds(60).plusMillis(800))).as("the reservation left, its correction not yet").isZero();
    }

    @Test
    void aMillionRequestsInAMinuteAreAllCountedThenAllLeave() {
        RollingWindow minute = RollingWindow.minute();
        for (int i = 0; i < 1_000_000; i++) {
            minute.add(T0.plusNanos(i * 50_000L), 1); // within 50 s
        }

        assertThat(minute.sum(T0.plusSeconds(55))).isEqualTo(1_000_000);
        assertThat(minute.sum(T0.plusSeconds(112))).isZero();
    }
}
