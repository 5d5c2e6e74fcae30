package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.RunningGateway.Streamed;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The streaming contract: commit on the first content event, flush every event, never end a broken stream cleanly. */
@ExtendWith(GatewayExtension.class)
class StreamingTest {

    @Simulated
    private ProviderSimulator first;
    @Simulated
    private ProviderSimulator second;
    private RunningGateway gateway;

    @BeforeEach
    void boot() throws Exception {
        startGateway("{firstByte: 2s, firstToken: 600ms, idle: 700ms, total: 20s}");
    }

    private void startGateway(String firstTimeouts) throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    timeouts: %s
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl(), firstTimeouts, second.baseUrl()),
                chains("duo", "first/model-a, second/model-b", "solo", "first/model-a")
                        + """
                        - templatedRoute:
                            routeTemplateRef: chain
                            parameters:
                              - name: name
                                value: careful
                              - name: steps
                                value: first/model-a, second/model-b
                              - name: commit
                                value: complete
                        """,
                Map.of());
    }

    @Test
    void aFinishedStreamLeavesItsKeepAliveConnectionToTheNextRequest() {
        // After a stream ends, 429chain closes its source. That must not reset the upstream request any more: its
        // connection is back in the pool by then, and a reset would cut whatever stream uses it next.
        first.then(Reply.stream(StreamScript.chat("model-a", "one ", "two")));
        first.then(Reply.stream(StreamScript.chat("model-a", "three ", "four")));
        first.then(Reply.stream(StreamScript.chat("model-a", "five ", "six")));

        for (String expected : List.of("one ", "three ", "five ")) {
            Streamed streamed = gateway.streamChat("solo");
            assertThat(streamed.status()).isEqualTo(200);
            assertThat(streamed.content()).startsWith(expected);
            assertThat(streamed.endsWithDone()).isTrue();
            // 429chain has closed its source once the request is over: a wrongful reset has gone out by then
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.camelContext().getInflightRepository().size() == 0);
        }
        assertThat(first.connectionsAccepted()).as("all three streams on one keep-alive connection").isEqualTo(1);
    }

    @Test
    void anHttp2ClientGetsAStreamWithoutConnectionSpecificHeaders() throws Exception {
        // The JDK client asks for an h2c upgrade by default. HTTP/2 forbids a Connection header: newer JDKs (and so
        // LangChain4j on them) reject the whole response when one is present.
        first.then(Reply.stream(StreamScript.chat("model-a", "one ", "two")));
        java.net.http.HttpClient http2 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2).build();
        // the upgrade happens on the connection's first request; the stream is the second
        http2.send(java.net.http.HttpRequest.newBuilder(gateway.uri("/v1/models")).build(), java.net.http.HttpResponse.BodyHandlers.discarding());

        java.net.http.HttpResponse<String> response = http2.send(java.net.http.HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"duo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(response.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        assertThat(response.headers().map()).doesNotContainKey("connection");
        assertThat(response.body()).contains("one ").endsWith("data: [DONE]\n\n");
    }

    @Test
    void eventsAreForwardedAsTheyArriveWithStreamingHeaders() {
        first.then(Reply.stream(StreamScript.chat("model-a", "one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ", "nine ", "ten")
                .interval(Duration.ofMillis(100))));

        Streamed streamed = gateway.streamChat("duo");

        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.header("Content-Type")).isEqualTo("text/event-stream");
        assertThat(streamed.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(streamed.header("X-Accel-Buffering")).isEqualTo("no");
        assertThat(streamed.header("Content-Length")).isNull();
        assertThat(streamed.header("X-429chain-Provider")).isEqualTo("first/model-a");
        assertThat(streamed.content()).isEqualTo("one two three four five six seven eight nine ten");
        assertThat(streamed.lastContentMillis() - streamed.firstContentMillis()).as("events are not buffered").isGreaterThanOrEqualTo(700);
        assertThat(streamed.endsWithDone()).isTrue();
        List<JsonNode> chunks = streamed.events().stream().filter(e -> !e.data().equals("[DONE]")).map(Streamed.Event::json).toList();
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.path("model").asText()).isEqualTo("model-a");
        });
        assertThat(chunks.stream().map(c -> c.path("id").asText()).collect(Collectors.toSet())).hasSize(1);
        assertThat(chunks.get(chunks.size() - 1).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void failuresBeforeTheFirstTokenWaterfallLikeNonStreamingRequests() {
        second.always(Reply.stream(StreamScript.chat("model-b", "from ", "second")));
        first.then(
                Reply.json(429, "{\"error\":{\"message\":\"slow down\"}}").withHeader("Retry-After", "0.2"),
                Reply.stream(StreamScript.events("{\"error\":{\"message\":\"overloaded\",\"code\":503}}")),
                Reply.stream(StreamScript.events().noDone()),
                Reply.stream(StreamScript.chat("model-a", "late").firstEventDelay(Duration.ofSeconds(2))),
                new Reply(500, Map.of("Content-Type", "text/html"), "<html>oops</html>", Duration.ZERO));

        for (int i = 0; i < 5; i++) {
            gateway.awaitNotCooling("first", "model-a"); // the 429's short cooldown has passed, so each scripted failure is met
            Streamed streamed = gateway.streamChat("duo");
            assertThat(streamed.status()).isEqualTo(200);
            assertThat(streamed.header("X-429chain-Provider")).as("attempt %d", i).isEqualTo("second/model-b");
            assertThat(streamed.header("X-429chain-Attempts")).isEqualTo("2");
            assertThat(streamed.content()).isEqualTo("from second");
            assertThat(streamed.endsWithDone()).isTrue();
            assertThat(streamed.raw()).doesNotContain("overloaded", "oops");
        }
    }

    @Test
    void aStreamCutAfterTheCommitPointEndsWithAnErrorEventAndNoDone() {
        first.then(Reply.stream(StreamScript.chat("model-a", "a", "b", "c", "d", "e").cutAfter(3)));

        Streamed streamed = gateway.streamChat("duo");

        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.content()).isEqualTo("ab");
        assertThat(streamed.endsWithDone()).isFalse();
        JsonNode error = streamed.last().json().path("error");
        assertThat(error.path("code").asText()).isEqualTo("upstream_stream_error");
        assertThat(error.path("type").asText()).isEqualTo("server_error");
        assertThat(second.requestCount()).as("no switching providers mid-stream").isZero();
    }

    @Test
    void aStallAfterTheCommitPointHitsTheIdleTimeout() {
        first.then(Reply.stream(StreamScript.chat("model-a", "a", "b", "c").stallAfter(2)));

        Streamed streamed = gateway.streamChat("duo");

        assertThat(streamed.content()).isEqualTo("a");
        assertThat(streamed.endsWithDone()).isFalse();
        assertThat(streamed.last().json().path("error").path("code").asText()).isEqualTo("upstream_stream_error");
        assertThat(streamed.last().json().path("error").path("message").asText()).contains("sent nothing");
        assertThat(first.awaitNoOpenStreams(Duration.ofSeconds(2))).as("the stalled upstream is released").isTrue();
    }

    @Test
    void anErrorEventMidStreamEndsWithAnErrorEvent() {
        first.then(Reply.stream(StreamScript.chat("model-a", "a", "b").noDone()
                .thenEvents("{\"error\":{\"message\":\"Provider returned error\",\"code\":502},\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"error\"}]}")));

        Streamed streamed = gateway.streamChat("duo");

        assertThat(streamed.content()).isEqualTo("ab");
        assertThat(streamed.endsWithDone()).isFalse();
        assertThat(streamed.last().json().path("error").path("code").asText()).isEqualTo("upstream_stream_error");
    }

    @Test
    void aProviderThatClosesAfterItsFinishReasonStillEndsWithDone() {
        first.then(Reply.stream(StreamScript.chat("model-a", "all ", "good").noDone()));

        Streamed streamed = gateway.streamChat("duo");

        assertThat(streamed.content()).isEqualTo("all good");
        assertThat(streamed.endsWithDone()).isTrue();
    }

    @Test
    void wireQuirksDoNotChangeWhatTheClientReceives() {
        first.then(Reply.stream(StreamScript.chat("model-a", "split ", "crlf ", "comments ", "ünïcødé 🎉")
                .splitWrites(42).crlf().keepAliveComments().noSpaceAfterColon().done("data:[DONE]")));

        Streamed streamed = gateway.streamChat("duo");

        assertThat(streamed.content()).isEqualTo("split crlf comments ünïcødé 🎉");
        assertThat(streamed.endsWithDone()).isTrue();
        assertThat(streamed.raw()).as("provider comments are not forwarded").doesNotContain("OPENROUTER");
    }

    @Test
    void aMalformedEventIsSkipped() {
        first.then(Reply.stream(StreamScript.events(
                "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"model-a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"before \"},\"finish_reason\":null}]}",
                "{not json at all",
                "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"model-a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"after\"},\"finish_reason\":\"end_turn\"}]}")));

        Streamed streamed = gateway.streamChat("duo");

        assertThat(streamed.content()).isEqualTo("before after");
        assertThat(streamed.endsWithDone()).isTrue();
        JsonNode last = streamed.events().get(streamed.events().size() - 2).json();
        assertThat(last.path("choices").get(0).path("finish_reason").asText()).as("mapped to OpenAI's vocabulary").isEqualTo("stop");
    }

    @Test
    void usageIsForwardedOnlyWhenTheClientAskedForIt() {
        first.always(Reply.stream(StreamScript.chat("model-a", "counted").withUsage(7, 3)));

        Streamed without = gateway.streamChat("duo");
        Streamed with = gateway.stream("""
                {"model":"duo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""");

        assertThat(without.raw()).doesNotContain("\"usage\"");
        assertThat(with.events().get(with.events().size() - 2).json().path("usage").path("total_tokens").asInt()).isEqualTo(10);
        assertThat(with.endsWithDone()).isTrue();
    }

    @Test
    void anEventStreamAnsweringANonStreamingRequestIsAggregatedIntoOneCompletion() {
        first.then(Reply.stream(StreamScript.chat("model-a", "Hello", ", ", "world").withUsage(4, 3)));

        HttpResponse<String> response = gateway.chat("duo");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode completion = json(response);
        assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
        assertThat(completion.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello, world");
        assertThat(completion.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(completion.path("usage").path("total_tokens").asInt()).isEqualTo(7);
    }

    @Test
    void aJsonAnswerToAStreamingRequestIsRetoldAsAStream() {
        first.then(Reply.json(200, first.completion("model-a")));

        Streamed streamed = gateway.streamChat("duo");

        assertThat(streamed.header("Content-Type")).isEqualTo("text/event-stream");
        assertThat(streamed.content()).isEqualTo("hello from first");
        assertThat(streamed.endsWithDone()).isTrue();
    }

    @Test
    void aCompleteCommitChainWaterfallsEvenWhenTheStreamBreaksLate() {
        first.then(Reply.stream(StreamScript.chat("model-a", "partial ", "answer ", "that ", "breaks").cutAfter(4)));
        second.then(Reply.stream(StreamScript.chat("model-b", "whole ", "answer")));

        Streamed streamed = gateway.streamChat("careful");

        assertThat(streamed.header("X-429chain-Provider")).isEqualTo("second/model-b");
        assertThat(streamed.content()).isEqualTo("whole answer");
        assertThat(streamed.endsWithDone()).isTrue();
    }

    @Test
    void aStreamServedAfterAHopCountsItsAttemptsAndLeavesTheProviderWaitOutOfTheOverhead() {
        // the stream is committed on its connection's event loop, before the waterfall has recorded its attempt
        first.then(Reply.json(429, "{\"error\":{\"message\":\"slow down\"}}").withHeader("Retry-After", "5"));
        second.always(Reply.stream(StreamScript.chat("model-b", "slow ", "start").firstByteDelay(Duration.ofMillis(600))));

        Streamed streamed = gateway.streamChat("duo");

        assertThat(streamed.header("X-429chain-Provider")).isEqualTo("second/model-b");
        assertThat(streamed.header("X-429chain-Attempts")).isEqualTo("2");
        // the client waited for 429chain and for the provider's 600 ms: the overhead leaves the latter out
        assertThat(Double.parseDouble(streamed.header("X-429chain-Overhead-Ms")))
                .as("429chain's own time, without the 600 ms the provider took").isBetween(0.0, streamed.firstContentMillis() + 1 - 600.0);
        assertThat(streamed.firstContentMillis()).isGreaterThanOrEqualTo(600);
        assertThat(streamed.content()).isEqualTo("slow start");
    }

    @Test
    void aClientThatReadsSlowerThanTheProviderWritesGetsEveryEventInOrder() throws Exception {
        // 16 MiB at once, more than the client's connection takes without waiting: the relay pauses and resumes on the
        // way (reading the provider only as the client makes room), and the client must get all of it, in order.
        // Timeouts as shipped: the class's 700 ms idle timeout is for the tests of timeouts, and a busy machine can
        // leave a resumed provider that long without an event.
        gateway.close();
        startGateway("{firstByte: 30s, firstToken: 10s, idle: 30s, total: 300s}");
        String[] tokens = new String[2_000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = "<" + i + ">" + "x".repeat(8_000);
        }
        first.then(Reply.stream(StreamScript.chat("model-a", tokens)));
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"solo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());

        StringBuilder content = new StringBuilder();
        String last = null;
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(response.body(), java.nio.charset.StandardCharsets.UTF_8), 4_096)) {
            String line;
            long read = 0;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    last = line.substring(6);
                    if (!last.equals("[DONE]")) {
                        content.append(new Streamed.Event(0, last).json().path("choices").path(0).path("delta").path("content").asText(""));
                    }
                }
                read += line.length();
                if (read > 256 * 1024) {
                    read = 0;
                    pauseLikeASlowReader();
                }
            }
        }

        assertThat(last).isEqualTo("[DONE]");
        assertThat(content.toString()).isEqualTo(String.join("", tokens));
    }

    @Test
    void aClientThatLeavesCancelsTheUpstreamStream() throws Exception {
        first.then(Reply.stream(StreamScript.chat("model-a", "a", "b", "c", "d", "e", "f", "g", "h").interval(Duration.ofMillis(200))));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"duo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.body().read()).isNotEqualTo(-1);

        response.body().close();

        assertThat(first.awaitNoOpenStreams(Duration.ofSeconds(30))).isTrue();
        assertThat(first.streamsClosedByPeer()).as("cut by 429chain, not ended by the provider").isEqualTo(1);
    }

    @Test
    void aThousandClientsLeavingMidStreamLeaveNoUpstreamConnectionOrThreadBehind() throws Exception {
        // long streams, so that every client leaves well before its stream would have ended anyway
        String[] tokens = new String[40];
        java.util.Arrays.fill(tokens, "token ");
        first.always(Reply.stream(StreamScript.chat("model-a", tokens).interval(Duration.ofMillis(100))));
        int closedBefore = first.streamsClosedByPeer();

        List<Thread> clients = new java.util.ArrayList<>();
        java.util.concurrent.Semaphore concurrency = new java.util.concurrent.Semaphore(50);
        java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < 1000; i++) {
            concurrency.acquire();
            Thread client = new Thread(() -> {
                try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.uri("/").getPort())) {
                    byte[] body = "{\"model\":\"solo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes();
                    socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                            + body.length + "\r\n\r\n").getBytes());
                    socket.getOutputStream().write(body);
                    if (socket.getInputStream().read() != -1) {
                        started.incrementAndGet();
                    }
                } catch (java.io.IOException e) {
                    // counted below through `started`
                } finally {
                    concurrency.release();
                }
            });
            client.start();
            clients.add(client);
        }
        for (Thread client : clients) {
            client.join();
        }

        assertThat(started.get()).isEqualTo(1000);
        assertThat(first.awaitNoOpenStreams(Duration.ofSeconds(10))).as("every upstream stream was closed").isTrue();
        assertThat(first.streamsClosedByPeer() - closedBefore).isEqualTo(1000);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(gateway.camelContext().getInflightRepository().size()).as("no request still in flight").isZero();
            assertThat(busyThreads()).as("no thread still working for a client that left").isZero();
        });
    }

    private static long busyThreads() {
        return BusyThreads.count();
    }

    /** The behaviour under test, not a wait for something: a client reading about 25 MB/s, slower than 429chain writes. */
    private static void pauseLikeASlowReader() {
        LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
}
