package io.chain429.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.usage.UsageTotals.Counts;
import io.chain429.usage.UsageTotals.Row;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class UsageTotalsTest {

    private Instant now = Instant.parse("2026-03-01T23:59:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void countsRequestsErrorsAndTokensPerChainAndPerProviderSent() {
        UsageTotals totals = new UsageTotals(clock);
        totals.add(request(200, null, 10L, 5L, new RequestRecord.Try("a/m", "rate_limited", "rate_limited", null, true),
                new RequestRecord.Try("b/m", "success", "ok", null, true)));
        totals.add(request(200, "cut", 3L, 1L, new RequestRecord.Try("a/m", "skipped", "cooling_down", null, false),
                new RequestRecord.Try("b/m", "streaming", "ok", null, true)));
        totals.add(request(503, null, null, null, new RequestRecord.Try("a/m", "skipped", "cooling_down", null, false),
                new RequestRecord.Try("b/m", "failed", "http_503", null, true)));

        assertThat(totals.chains()).containsExactly(new Row("chain", new Counts(3, 2, 13, 6), new Counts(3, 2, 13, 6)));
        assertThat(totals.providers()).containsExactly(
                new Row("a", new Counts(1, 1, 0, 0), new Counts(1, 1, 0, 0)),
                new Row("b", new Counts(3, 2, 13, 6), new Counts(3, 2, 13, 6)));
    }

    @Test
    void todayStartsAtZeroAtMidnightUtcWhileSinceStartGoesOn() {
        UsageTotals totals = new UsageTotals(clock);
        totals.add(request(200, null, 10L, 5L, new RequestRecord.Try("a/m", "success", "ok", null, true)));
        now = now.plus(Duration.ofMinutes(2));

        assertThat(totals.providers()).containsExactly(new Row("a", Counts.ZERO, new Counts(1, 0, 10, 5)));
        totals.add(request(200, null, 1L, 1L, new RequestRecord.Try("a/m", "success", "ok", null, true)));
        assertThat(totals.providers()).containsExactly(new Row("a", new Counts(1, 0, 1, 1), new Counts(2, 0, 11, 6)));
    }

    @Test
    void concurrentRequestsAreAllCounted() throws Exception {
        UsageTotals totals = new UsageTotals(clock);
        List<Thread> threads = IntStream.range(0, 8).mapToObj(t -> new Thread(() -> {
            for (int i = 0; i < 10_000; i++) {
                totals.add(request(200, null, 1L, 2L, new RequestRecord.Try("a/m", "success", "ok", null, true)));
            }
        })).toList();
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(totals.chains().get(0).sinceStart()).isEqualTo(new Counts(80_000, 0, 80_000, 160_000));
    }

    @Test
    void clientChosenNamesBeyondTheLimitShareOneRow() {
        UsageTotals totals = new UsageTotals(clock);
        for (int i = 0; i < UsageTotals.MAX_NAMES + 50; i++) {
            totals.add(new RequestRecord(now, "chain-" + i, null, List.of(new RequestRecord.Try("a/model-" + i, "failed", "http_503", null, true)),
                    503, false, null, null, null, 10, null, "anonymous"));
        }

        List<Row> chains = totals.chains();
        assertThat(chains).hasSizeLessThanOrEqualTo(UsageTotals.MAX_NAMES + 1);
        assertThat(chains.stream().mapToLong(row -> row.sinceStart().requests()).sum()).isEqualTo(UsageTotals.MAX_NAMES + 50);
        assertThat(chains).filteredOn(row -> row.name().equals(UsageTotals.OTHER)).singleElement()
                .satisfies(row -> assertThat(row.sinceStart().requests()).isGreaterThanOrEqualTo(50));
    }

    @Test
    void stepsClientsNameOutsideChainsShareTheirProvidersRow() {
        UsageTotals totals = new UsageTotals(clock);
        for (int i = 0; i < 20; i++) {
            totals.add(new RequestRecord(now, "a/model-" + i, "a/model-" + i, List.of(new RequestRecord.Try("a/model-" + i, "success", "ok", null, true)),
                    200, false, 1L, 1L, null, 10, null, "anonymous"));
        }

        assertThat(totals.chains()).singleElement().satisfies(row -> {
            assertThat(row.name()).isEqualTo("a/*");
            assertThat(row.sinceStart().requests()).isEqualTo(20);
        });
    }

    @Test
    void recentRequestsKeepTheNewestFirstUpToTheirCapacity() {
        RecentRequests recent = new RecentRequests(3);
        assertThat(recent.newestFirst()).isEmpty();
        for (int status = 1; status <= 5; status++) {
            recent.add(request(status, null, null, null));
        }

        assertThat(recent.newestFirst()).extracting(RequestRecord::status).containsExactly(5, 4, 3);
    }

    private RequestRecord request(int status, String streamError, Long prompt, Long completion, RequestRecord.Try... attempts) {
        return new RequestRecord(now, "chain", null, List.of(attempts), status, streamError != null, prompt, completion,
                null, 10, streamError, "anonymous");
    }
}
