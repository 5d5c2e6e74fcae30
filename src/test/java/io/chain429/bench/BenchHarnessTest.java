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
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
            await().atMost(Duration.ofSeconds(30)).until(() -> requestsCounted(gateway, "client_gone") == ended.abandoned.get());

            LoadClient.JsonResult next = client.closedLoop(port, chat, 16, 0, 200, Check.OK_200);

            FailedRequests failed = new FailedRequests();
            failed.note("ended", ended);
            failed.note("next", next);
            assertThat(next.errors.count()).as("failures: %s", next.errors).isZero();
            assertThat(next.answered.get()).isGreaterThanOrEqualTo(16);
            assertThat(failed.report()).startsWith("**0 failed requests**");
            failed.assertNone();
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
