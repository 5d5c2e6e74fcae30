package io.chain429.bench;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.chain429.bench.LoadClient.Check;
import io.chain429.e2e.RunningGateway;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the benchmark's own parts honest: the simulator, the SSE reader, the percentiles, the counters, and its two
 * rules: a phase ends with requests in flight, and a run with any failed request fails.
 */
class BenchHarnessTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theSimulatorAnswersCompletionsStreamsAndRateLimits() throws Exception {
        try (FastSimulator simulator = new FastSimulator(1)) {
            HttpResponse<String> completion = post(simulator.baseUrl() + "/chat/completions",
                    "{\"model\":\"m-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(completion.statusCode()).isEqualTo(200);
            assertThat(completion.body()).contains("\"object\":\"chat.completion\"", "\"model\":\"m-1\"");

            long started = System.nanoTime();
            HttpResponse<String> stream = post(simulator.baseUrl() + "/chat/completions",
                    "{\"model\": \"sse-4-20\", \"stream\": true, \"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            String[] events = stream.body().split("\n\n");
            assertThat(events).hasSize(5);
            assertThat(events[4]).isEqualTo("data: [DONE]");
            assertThat(stream.body()).contains("\"finish_reason\":\"stop\"");
            assertThat(millis).as("4 events 20 ms apart").isGreaterThanOrEqualTo(50);

            HttpResponse<String> limited = post(simulator.limitedBaseUrl() + "/chat/completions", "{\"model\":\"x\"}");
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("retry-after-ms")).hasValue("0");
            assertThat(simulator.rateLimited()).isEqualTo(1);
            assertThat(simulator.openStreams()).isZero();
        }
    }

    @Test
    void theSseReaderCountsContentEventsAndTheirAge() {
        LoadClient.SseReader reader = new LoadClient.SseReader();
        long written = System.nanoTime();
        String first = FastSimulator.chunk("m", 0, 2);
        String second = FastSimulator.chunk("m", 1, 2);
        String all = first + second + "data: [DONE]\n\n";
        int cut = first.length() + 10;
        reader.feed(Buffer.buffer(all.substring(0, cut)), written + 1_000_000);
        reader.feed(Buffer.buffer(all.substring(cut)), written + 6_000_000);

        assertThat(reader.contentEvents).isEqualTo(2);
        assertThat(reader.done).isTrue();
        assertThat(reader.errorEvent).isNull();
        assertThat(reader.gaps).containsExactly(5_000_000L);
        assertThat(reader.deliveries).hasSize(2).allSatisfy(age -> assertThat(age).isBetween(0L, 6_000_000L));
    }

    @Test
    void percentilesAreNearestRank() {
        Samples samples = new Samples();
        for (int i = 100; i >= 1; i--) {
            samples.add(i * 1_000_000L);
        }
        assertThat(samples.millis(0.50)).isEqualTo(50.0);
        assertThat(samples.millis(0.99)).isEqualTo(99.0);
        assertThat(samples.millis(1.0)).isEqualTo(100.0);
        assertThat(new Samples().millis(0.5)).isNaN();
    }

    @Test
    void pausesAreReadFromTheJvmLogAndLaidNextToTheSlowestRequests(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("gc.log");
        Files.writeString(log, """
                [1.000s][1000000000ns][gc          ] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 168M->16M(256M) 2.545ms
                [1.000s][1000000000ns][safepoint   ] Safepoint "G1CollectForAllocation", Time since last: 90000 ns, Reaching safepoint: 5187 ns, At safepoint: 2500000 ns, Leaving safepoint: 3305 ns, Total: 3000000 ns, Threads: 0 runnable, 10 total
                [2.000s][2000000000ns][safepoint   ] Safepoint "Cleanup", Time since last: 1000000000 ns, Reaching safepoint: 1000 ns, At safepoint: 500 ns, Leaving safepoint: 500 ns, Total: 2000 ns, Threads: 0 runnable, 10 total
                """);
        List<Pauses.Pause> pauses = Pauses.read(log);
        assertThat(pauses).containsExactly(new Pauses.Pause(997_000_000L, 1_000_000_000L, "G1CollectForAllocation"),
                new Pauses.Pause(1_999_998_000L, 2_000_000_000L, "Cleanup"));
        assertThat(Pauses.read(dir.resolve("none.log"))).isEmpty();

        Timeline timeline = new Timeline();
        timeline.add(996_000_000L, 1_001_000_000L); // 5 ms, across the GC
        timeline.add(1_500_000_000L, 1_500_100_000L); // 0.1 ms, no pause
        timeline.add(1_600_000_000L, 1_604_000_000L); // 4 ms, no pause either
        for (int i = 0; i < 97; i++) {
            timeline.add(1_700_000_000L + i * 1_000_000L, 1_700_050_000L + i * 1_000_000L);
        }
        assertThat(timeline.slowest(0.01)).extracting(Timeline.Span::nanos).containsExactly(5_000_000L);
        assertThat(timeline.slowest(0.02)).extracting(Timeline.Span::nanos).containsExactly(5_000_000L, 4_000_000L);
        assertThat(Pauses.held(timeline.slowest(0.02), pauses)).isEqualTo(1);
        assertThat(Pauses.holding(pauses, timeline.spans())).extracting(Pauses.Pause::operation).containsExactly("G1CollectForAllocation");
        assertThat(Pauses.jvmOption(log)).isEqualTo("-Xlog:gc,safepoint:file=" + log.toAbsolutePath() + ":uptime,timenanos,tags:filecount=0");
    }

    @Test
    void performanceCountersOfAJvmAreReadFromItsSharedMemoryFile() {
        var counters = new PerfCounters(ProcessHandle.current().pid()).read();
        if (counters.isEmpty()) {
            return; // this JVM runs without -XX:+UsePerfData: nothing to read
        }
        assertThat(PerfCounters.get(counters, "java.threads.started")).isPositive();
        long[] heap = PerfCounters.heap(counters);
        assertThat(heap[0]).isPositive();
        assertThat(heap[1]).isPositive();
    }

    @Test
    void aPhaseThatEndsWithRequestsInFlightLeavesTheGatewayServingTheNextPhase() throws Exception {
        try (FastSimulator simulator = new FastSimulator(1);
             RunningGateway gateway = RunningGateway.start(fastProvider(simulator), chains("slow", "fast/wait-500"), Map.of());
             LoadClient client = new LoadClient(1, 64)) {
            int port = gateway.uri("/").getPort();
            Buffer chat = Buffer.buffer("{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            // answers in 500 ms, 200 ms of sending: each client's first request is measured, its second is left in flight
            LoadClient.JsonResult ended = client.closedLoop(port, chat, 16, 0, 200, Check.OK_200);

            assertThat(ended.errors.count()).as("failures: %s", ended.errors).isZero();
            assertThat(ended.answered.get()).isPositive();
            assertThat(ended.abandoned.get()).as("requests left in flight: enough to open the step's circuit, were they failures")
                    .isGreaterThanOrEqualTo(10);
            // not all of them: a request whose connection was reset before the gateway read it was never seen there
            await().atMost(Duration.ofSeconds(30)).until(() -> requestsCounted(gateway, "client_gone") > 0);

            LoadClient.JsonResult next = client.closedLoop(port, chat, 16, 0, 200, Check.OK_200);

            FailedRequests failed = new FailedRequests();
            failed.note("ended", ended);
            failed.note("next", next);
            assertThat(next.errors.count()).as("failures: %s", next.errors).isZero();
            assertThat(next.answered.get()).isGreaterThanOrEqualTo(16);
            assertThat(failed.report()).startsWith("**0 failed requests**");
            failed.assertNone();
            assertThat(requestsCounted(gateway, "failed")).as("abandoned requests counted as failed").isZero();
            assertThat(requestsCounted(gateway, "client_gone")).isLessThanOrEqualTo(ended.abandoned.get() + next.abandoned.get());
        }
    }

    @Test
    void aRunWhereTheGatewayAnswersAnErrorIsReportedAsFailed() throws Exception {
        try (FastSimulator simulator = new FastSimulator(1);
             RunningGateway gateway = RunningGateway.start(fastProvider(simulator), chains("refused", "limited/x"), Map.of());
             LoadClient client = new LoadClient(1, 8)) {
            int port = gateway.uri("/").getPort();
            Buffer chat = Buffer.buffer("{\"model\":\"refused\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            LoadClient.JsonResult run = client.closedLoop(port, chat, 2, 0, 100, Check.OK_200);

            FailedRequests failed = new FailedRequests();
            failed.note("latency c=2 through slice 1", run);
            assertThat(failed.total()).isPositive().isEqualTo(run.errors.count());
            assertThatThrownBy(failed::assertNone).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("failed requests** in 1 phase(s)")
                    .hasMessageContaining("this run FAILED")
                    .hasMessageContaining("- latency c=2 through slice 1: " + run.errors.count() + " (e.g. HTTP 503 (all_providers_failed: No step");
        }
    }

    @Test
    void aSoakSendsEveryRequestAndEachNameTwiceAndPassesOnlyWhileTheHeapAfterGcStaysWithinItsLimit() throws Exception {
        Soak.Plan plan = new Soak.Plan(2_000, 500, 8, "soak", "soak/y", "soak", 8L << 20);
        Map<String, Integer> names = new java.util.HashMap<>();
        for (long n = 0; n < plan.requests(); n++) {
            String step = plan.adHocStep(n);
            if (step != null) {
                names.merge(step, 1, Integer::sum);
            }
        }
        assertThat(names).hasSize(500).containsEntry("soak/x1", 2).containsEntry("soak/x500", 2).allSatisfy((name, times) -> assertThat(times).isEqualTo(2));

        try (FastSimulator simulator = new FastSimulator(1);
             RunningGateway gateway = RunningGateway.start(soakProvider(simulator), chains("soak", "soak/y"), Map.of());
             LoadClient client = new LoadClient(1, 16)) {
            int port = gateway.uri("/").getPort();

            FailedRequests failed = new FailedRequests();
            Soak.Outcome flat = Soak.run(plan, client, port, heapGrowingBy(7.5), failed);

            assertThat(flat.answered()).isEqualTo(2_000);
            assertThat(flat.failedRequests()).isZero();
            assertThat(flat.parts()).extracting(Soak.Part::adHocRequests).containsExactly(500L, 500L);
            assertThat(flat.checkpoints()).extracting(Soak.Checkpoint::requests).containsExactly(0L, 1_000L, 2_000L);
            assertThat(flat.heapGrowthMiB()).isEqualTo(7.5);
            assertThat(flat.passed()).as(flat.verdict()).isTrue();
            assertThat(flat.verdict()).startsWith("soak passed — heap after a full GC +7.5 MiB from start to end (limit +8 MiB)");
            flat.assertPassed();
            assertThat(failed.report()).startsWith("**0 failed requests** (2 phases, 2,000 answers checked");

            // the verdict alone: a few requests are enough
            Soak.Plan small = new Soak.Plan(20, 10, 2, "soak", "soak/y", "soak", 8L << 20);
            Soak.Outcome grown = Soak.run(small, client, port, heapGrowingBy(8.5), failed);

            assertThat(grown.failedRequests()).isZero();
            assertThat(grown.passed()).isFalse();
            assertThatThrownBy(grown::assertPassed).isInstanceOf(AssertionError.class)
                    .hasMessage("**SOAK FAILED** — heap after a full GC grew +8.5 MiB from start to end (limit +8 MiB)");

            Soak.Outcome unmeasured = Soak.run(small, client, port, (when, requests) -> new Soak.Checkpoint(when, requests, -1, -1, -1, -1), failed);

            assertThat(unmeasured.failure()).isEqualTo("429chain's heap after a full GC could not be measured");
        }
    }

    @Test
    void aSoakWithFailedRequestsFailsWhateverTheHeap() throws Exception {
        // the ad-hoc names go to the provider that answers 429 to everything: every one of them fails
        Soak.Plan plan = new Soak.Plan(200, 50, 8, "soak", "soak/y", "limited", 8L << 20);
        try (FastSimulator simulator = new FastSimulator(1);
             RunningGateway gateway = RunningGateway.start(soakProvider(simulator), chains("soak", "soak/y"), Map.of());
             LoadClient client = new LoadClient(1, 16)) {
            FailedRequests failed = new FailedRequests();

            Soak.Outcome outcome = Soak.run(plan, client, gateway.uri("/").getPort(), heapGrowingBy(0), failed);

            assertThat(outcome.answered()).isEqualTo(200);
            assertThat(outcome.failedRequests()).isEqualTo(100);
            assertThat(outcome.failure()).isEqualTo("100 failed request(s)");
            assertThatThrownBy(outcome::assertPassed).hasMessage("**SOAK FAILED** — 100 failed request(s)");
            assertThat(failed.report()).contains("- soak, first half: 50 (e.g. HTTP 503", "- soak, second half: 50 (e.g. HTTP 503");
        }
    }

    /** A gauge whose heap after GC goes from 40 MiB at the start to 40 + {@code mib} at the end. */
    private static Soak.Gauge heapGrowingBy(double mib) {
        return (when, requests) -> new Soak.Checkpoint(when, requests,
                (long) ((40 + mib * switch (when) { case "start" -> 0.0; case "middle" -> 0.5; default -> 1.0; }) * (1 << 20)), -1, -1, -1);
    }

    /** Provider {@code soak} (the simulator, with limits, so its quota keys count in windows) and {@code limited}. */
    private static String soakProvider(FastSimulator simulator) {
        return """
                version: 1
                providers:
                  - id: soak
                    type: openai-compatible
                    baseUrl: %s
                    limits: {rpm: 1000000000, rpd: 2000000000, tpm: 2000000000, tpd: 2000000000}
                  - id: limited
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(simulator.baseUrl(), simulator.limitedBaseUrl());
    }

    /** Provider {@code fast} (the simulator) and {@code limited} (its always-429 path). */
    private static String fastProvider(FastSimulator simulator) {
        return """
                version: 1
                providers:
                  - id: fast
                    type: openai-compatible
                    baseUrl: %s
                  - id: limited
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(simulator.baseUrl(), simulator.limitedBaseUrl());
    }

    /** Requests 429chain has counted with this outcome (its {@code chain429_requests_total} metric). */
    private static long requestsCounted(RunningGateway gateway, String outcome) {
        return gateway.getManagement("/metrics").body().lines()
                .filter(line -> line.startsWith("chain429_requests_total{") && line.contains("outcome=\"" + outcome + "\""))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
