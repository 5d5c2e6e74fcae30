package io.chain429.e2e.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator itself: each scripted quirk must really appear on the wire, seen by a JDK client and a raw socket. */
class ProviderSimulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAM_BODY = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String PLAIN_BODY = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private ProviderSimulator sim;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        sim = new ProviderSimulator("sim");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    // ------------------------------------------------------------------------------------------ whole replies

    @Test
    void scriptedRepliesComeInOrderThenDefaultCompletionsAndEveryRequestIsRecorded() throws Exception {
        sim.then(Reply.json(429, "{\"error\":{\"message\":\"slow down\"}}").withHeader("Retry-After", "30"),
                new Reply(500, Map.of("Content-Type", "text/html"), "<html>oops</html>", Duration.ZERO));

        HttpResponse<String> limited = http.send(post(STREAM_BODY, "Authorization", "Bearer sk-1"), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> failed = http.send(post(PLAIN_BODY), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> normal = http.send(post("{\"model\":\"model-z\"}"), HttpResponse.BodyHandlers.ofString());

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).hasValue("30");
        assertThat(limited.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(limited.body()).contains("slow down");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).isEqualTo("<html>oops</html>");
        assertThat(normal.statusCode()).isEqualTo(200);
        JsonNode completion = JSON.readTree(normal.body());
        assertThat(completion.path("model").asText()).isEqualTo("model-z");
        assertThat(completion.path("choices").get(0).path("message").path("content").asText()).isEqualTo("hello from sim");

        assertThat(sim.requestCount()).isEqualTo(3);
        Received first = sim.received().get(0);
        assertThat(first.path()).isEqualTo("/v1/chat/completions");
        assertThat(first.header("authorization")).isEqualTo("Bearer sk-1");
        assertThat(first.header("X-Absent")).isNull();
        assertThat(first.body().path("model").asText()).isEqualTo("m");
        assertThat(first.streamRequested()).isTrue();
        assertThat(sim.received().get(1).streamRequested()).isFalse();
    }

    @Test
    void theModelsListIsAnsweredApartFromCompletions() throws Exception {
        sim.then(Reply.json(429, "{}")).always(Reply.json(500, "{}")).models(Reply.json(401, "{}"));
        HttpRequest models = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/models")).header("Authorization", "Bearer sk-1").build();

        assertThat(http.send(models, HttpResponse.BodyHandlers.ofString()).statusCode()).as("its scripted reply").isEqualTo(401);
        HttpResponse<String> list = http.send(models, HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).as("then a model list").isEqualTo(200);
        assertThat(JSON.readTree(list.body()).path("data").get(0).path("id").asText()).isEqualTo("model-a");
        sim.modelsAlways(Reply.json(403, "{}"));
        assertThat(http.send(models, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);

        assertThat(sim.modelsRequestCount()).isEqualTo(3);
        assertThat(sim.modelsReceived().get(0).path()).isEqualTo("/v1/models");
        assertThat(sim.modelsReceived().get(0).header("Authorization")).isEqualTo("Bearer sk-1");
        assertThat(sim.requestCount()).as("the completions' record is untouched").isZero();
        assertThat(http.send(post(PLAIN_BODY), HttpResponse.BodyHandlers.ofString()).statusCode()).as("their script too").isEqualTo(429);
    }

    @Test
    void alwaysAnswersEveryRequestAndResetDropsUnservedReplies() throws Exception {
        sim.then(Reply.json(402, "{}"), Reply.json(402, "{}")).reset();
        assertThat(http.send(post(PLAIN_BODY), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        sim.always(Reply.json(401, "{\"error\":{\"message\":\"bad key\"}}"));
        for (int i = 0; i < 2; i++) {
            assertThat(http.send(post(PLAIN_BODY), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void afterDelaysTheResponseHeaders() throws Exception {
        sim.then(Reply.json(200, "{}").after(Duration.ofMillis(300)));
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(post(PLAIN_BODY), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(millisSince(start)).isGreaterThanOrEqualTo(280);
    }

    @Test
    void jsonRepliesKeepTheConnectionAliveForSequentialRequests() throws Exception {
        try (Raw raw = new Raw(port())) {
            for (int i = 0; i < 3; i++) {
                raw.post("/v1/chat/completions", "{\"model\":\"m" + i + "\"}");
                raw.readHead();
                assertThat(raw.status).isEqualTo(200);
                assertThat(raw.header("connection")).isNull();
                String body = new String(raw.readLength(Integer.parseInt(raw.header("content-length"))), StandardCharsets.UTF_8);
                assertThat(JSON.readTree(body).path("model").asText()).isEqualTo("m" + i);
            }
        }
        assertThat(sim.connectionsAccepted()).isEqualTo(1);
        assertThat(sim.requestCount()).isEqualTo(3);

        for (int i = 0; i < 3; i++) {
            assertThat(http.send(post(PLAIN_BODY), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        assertThat(sim.connectionsAccepted()).as("the JDK client pools one connection").isEqualTo(2);
    }

    @Test
    void aDroppedReplyClosesTheConnectionWithoutAnswering() throws Exception {
        sim.then(Reply.dropped());
        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", PLAIN_BODY);
            assertThat(raw.in.read()).as("not a byte before the end of the stream").isEqualTo(-1);
        }
        assertThat(sim.requestCount()).isEqualTo(1);
        assertThat(http.send(post(PLAIN_BODY), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("the next request is answered").isEqualTo(200);
    }

    @Test
    void connectionCloseOnAJsonReplyClosesTheConnection() throws Exception {
        sim.then(Reply.json(200, "{}").connectionClose());
        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", PLAIN_BODY);
            raw.readHead();
            assertThat(raw.header("connection")).isEqualTo("close");
            assertThat(raw.readLength(2)).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
            assertThat(raw.in.read()).isEqualTo(-1);
        }
    }

    // ------------------------------------------------------------------------------------------------ streams

    @Test
    void aChatStreamIsChunkedSseWithRealisticChunksAndTheConnectionIsReusableAfterIt() throws Exception {
        StreamScript script = StreamScript.chat("gpt-x", "Hel", "lo \"wörld\"").withUsage(7, 2);
        sim.then(Reply.stream(script));
        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            assertThat(raw.status).isEqualTo(200);
            assertThat(raw.header("content-type")).isEqualTo("text/event-stream");
            assertThat(raw.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(raw.header("content-length")).isNull();
            String body = raw.readChunkedBody();

            List<String> data = dataLines(body, "data: ");
            assertThat(data).hasSize(6).last().isEqualTo("[DONE]");
            assertThat(data.subList(0, 5)).isEqualTo(script.payloads());
            List<JsonNode> chunks = new ArrayList<>();
            for (String payload : data.subList(0, 5)) {
                chunks.add(JSON.readTree(payload));
            }
            assertThat(chunks).allSatisfy(c -> {
                assertThat(c.path("id").asText()).isEqualTo(chunks.get(0).path("id").asText()).startsWith("chatcmpl-sim-");
                assertThat(c.path("created").asLong()).isEqualTo(chunks.get(0).path("created").asLong()).isPositive();
                assertThat(c.path("model").asText()).isEqualTo("gpt-x");
                assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
            });
            JsonNode firstChoice = chunks.get(0).path("choices").get(0);
            assertThat(firstChoice.path("delta").path("role").asText()).isEqualTo("assistant");
            assertThat(firstChoice.path("delta").path("content").asText()).isEmpty();
            assertThat(firstChoice.path("finish_reason").isNull()).isTrue();
            assertThat(chunks.get(1).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("Hel");
            assertThat(chunks.get(2).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("lo \"wörld\"");
            JsonNode last = chunks.get(3).path("choices").get(0);
            assertThat(last.path("delta").size()).isZero();
            assertThat(last.path("finish_reason").asText()).isEqualTo("stop");
            assertThat(chunks.subList(0, 4)).allSatisfy(c -> assertThat(c.get("usage").isNull()).isTrue());
            JsonNode usage = chunks.get(4);
            assertThat(usage.path("choices").isArray()).isTrue();
            assertThat(usage.path("choices").size()).isZero();
            assertThat(usage.path("usage").path("prompt_tokens").asInt()).isEqualTo(7);
            assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(2);
            assertThat(usage.path("usage").path("total_tokens").asInt()).isEqualTo(9);

            raw.post("/v1/chat/completions", PLAIN_BODY);
            raw.readHead();
            assertThat(raw.status).isEqualTo(200);
        }
        assertThat(sim.connectionsAccepted()).isEqualTo(1);
        assertThat(sim.streamsClosedByPeer()).isZero();
        assertThat(sim.openStreams()).isZero();
    }

    @Test
    void theJdkClientReadsAStreamLineByLine() throws Exception {
        sim.then(Reply.stream(StreamScript.events("{\"a\":1}", "{\"b\":2}")));
        HttpResponse<java.util.stream.Stream<String>> response = http.send(post(STREAM_BODY), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(response.body().collect(Collectors.toList()))
                .containsExactly("data: {\"a\":1}", "", "data: {\"b\":2}", "", "data: [DONE]", "");
    }

    @Test
    void splitWritesArriveAsManyTinyChunksSpacedApartWithTheSameBytes() throws Exception {
        StreamScript script = StreamScript.events("{\"text\":\"héllo ✓ wörld\"}", "{\"n\":2,\"padding\":\"" + "x".repeat(60) + "\"}",
                "{\"n\":3}");
        sim.then(Reply.stream(script), Reply.stream(script.splitWrites(42)));
        String whole;
        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            whole = raw.readChunkedBody();
            assertThat(raw.chunkSizes).hasSize(4); // one chunk per event, one for [DONE]
        }
        try (Raw raw = new Raw(port())) {
            long start = System.nanoTime();
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            String split = raw.readChunkedBody();
            long took = System.nanoTime() - start;

            assertThat(split).isEqualTo(whole);
            assertThat(raw.chunkSizes).allSatisfy(size -> assertThat(size).isBetween(1, 7));
            assertThat(raw.chunkSizes.size()).isGreaterThan(whole.getBytes(StandardCharsets.UTF_8).length / 7);
            assertThat(raw.chunkSizes.stream().distinct().count()).as("random sizes").isGreaterThan(3);
            // each piece after an event's first comes 100 µs after the one before it, so a reader can get it apart
            // (whether it does is up to the machine's scheduler: on a busy one, several pieces may share a read)
            int pauses = raw.chunkSizes.size() - 4;
            assertThat(took).as("the pauses between pieces").isGreaterThanOrEqualTo(pauses * 100_000L);
        }

        sim.then(Reply.stream(script.splitWrites(43)));
        List<byte[]> deliveries = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> complete = new CompletableFuture<>();
        http.send(post(STREAM_BODY), HttpResponse.BodyHandlers.fromSubscriber(new Flow.Subscriber<List<ByteBuffer>>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> buffers) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                for (ByteBuffer buffer : buffers) {
                    byte[] piece = new byte[buffer.remaining()];
                    buffer.get(piece);
                    bytes.writeBytes(piece);
                }
                deliveries.add(bytes.toByteArray());
            }

            @Override
            public void onError(Throwable error) {
                complete.completeExceptionally(error);
            }

            @Override
            public void onComplete() {
                complete.complete(null);
            }
        }));
        complete.get(5, TimeUnit.SECONDS);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        deliveries.forEach(joined::writeBytes);
        assertThat(joined.toString(StandardCharsets.UTF_8)).as("the JDK client puts the pieces back together").isEqualTo(whole);
    }

    @Test
    void splitWritesAreRepeatableForASeed() throws Exception {
        StreamScript script = StreamScript.events("{\"x\":\"" + "y".repeat(40) + "\"}").splitWrites(7);
        sim.then(Reply.stream(script), Reply.stream(script));
        List<List<Integer>> sizes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (Raw raw = new Raw(port())) {
                raw.post("/v1/chat/completions", STREAM_BODY);
                raw.readHead();
                raw.readChunkedBody();
                sizes.add(raw.chunkSizes);
            }
        }
        assertThat(sizes.get(0)).isEqualTo(sizes.get(1));
    }

    @Test
    void crlfPutsCarriageReturnsOnTheWire() throws Exception {
        sim.then(Reply.stream(StreamScript.events("{\"a\":1}", "two\nlines").crlf()));
        String body = rawStream();
        assertThat(body).isEqualTo("data: {\"a\":1}\r\n\r\ndata: two\r\ndata: lines\r\n\r\ndata: [DONE]\r\n\r\n");
        assertThat(body.replace("\r\n", "")).doesNotContain("\n", "\r");
    }

    @Test
    void keepAliveCommentsPrecedeEveryEvent() throws Exception {
        sim.then(Reply.stream(StreamScript.events("{\"a\":1}", "{\"b\":2}").keepAliveComments()));
        assertThat(rawStream()).isEqualTo(": OPENROUTER PROCESSING\n\ndata: {\"a\":1}\n\n"
                + ": OPENROUTER PROCESSING\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n");
    }

    @Test
    void noSpaceAfterColonCustomDoneAndNoDoneShapeTheEnd() throws Exception {
        sim.then(Reply.stream(StreamScript.events("{\"a\":1}").noSpaceAfterColon()),
                Reply.stream(StreamScript.events("{\"a\":1}").done("event: end")),
                Reply.stream(StreamScript.events("{\"a\":1}").noDone()));
        assertThat(rawStream()).isEqualTo("data:{\"a\":1}\n\ndata:[DONE]\n\n");
        assertThat(rawStream()).isEqualTo("data: {\"a\":1}\n\nevent: end\n\n");
        assertThat(rawStream()).as("ends cleanly, with the terminating chunk").isEqualTo("data: {\"a\":1}\n\n");
    }

    @Test
    void thenEventsAppendsRawPayloadsAfterTheChatChunks() throws Exception {
        String error = "{\"error\":{\"message\":\"overloaded\",\"code\":502}}";
        StreamScript script = StreamScript.chat("m", "a").thenEvents(error);
        assertThat(script.payloads()).hasSize(4).last().isEqualTo(error);
        sim.then(Reply.stream(script));
        List<String> data = dataLines(rawStream(), "data: ");
        assertThat(data).containsExactlyElementsOf(concat(script.payloads(), List.of("[DONE]")));
    }

    @Test
    void aConnectionCloseStreamHasNoFramingAndEndsWithTheConnection() throws Exception {
        sim.then(Reply.stream(StreamScript.events("{\"a\":1}").connectionClose()),
                Reply.stream(StreamScript.events("{\"b\":2}")).connectionClose());
        for (String payload : List.of("{\"a\":1}", "{\"b\":2}")) {
            try (Raw raw = new Raw(port())) {
                raw.post("/v1/chat/completions", STREAM_BODY);
                raw.readHead();
                assertThat(raw.header("transfer-encoding")).isNull();
                assertThat(raw.header("content-length")).isNull();
                assertThat(raw.header("connection")).isEqualTo("close");
                assertThat(raw.readToEof()).isEqualTo("data: " + payload + "\n\ndata: [DONE]\n\n");
            }
        }
        assertThat(sim.streamsClosedByPeer()).isZero();
    }

    @Test
    void cutAfterClosesAbruptlyWithoutDoneOrTerminatingChunk() throws Exception {
        StreamScript script = StreamScript.events("{\"n\":1}", "{\"n\":2}", "{\"n\":3}").cutAfter(2);
        sim.then(Reply.stream(script), Reply.stream(script), Reply.stream(script.connectionClose()));
        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            assertThat(new String(raw.readChunk(), StandardCharsets.UTF_8)).isEqualTo("data: {\"n\":1}\n\n");
            assertThat(new String(raw.readChunk(), StandardCharsets.UTF_8)).isEqualTo("data: {\"n\":2}\n\n");
            assertThatThrownBy(raw::readChunk).isInstanceOf(EOFException.class);
        }

        assertThatThrownBy(() -> http.send(post(STREAM_BODY), HttpResponse.BodyHandlers.ofString()))
                .as("the JDK client sees a truncated chunked body").isInstanceOf(IOException.class);

        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            assertThat(raw.readToEof()).isEqualTo("data: {\"n\":1}\n\ndata: {\"n\":2}\n\n");
        }
        assertThat(sim.streamsClosedByPeer()).as("the simulator cut, not the peer").isZero();
        assertThat(sim.awaitNoOpenStreams(Duration.ofSeconds(2))).isTrue();
    }

    @Test
    void stallAfterGoesSilentButKeepsTheConnectionOpenUntilThePeerLeaves() throws Exception {
        sim.then(Reply.stream(StreamScript.events("{\"n\":1}", "{\"n\":2}").stallAfter(1)));
        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            assertThat(new String(raw.readChunk(), StandardCharsets.UTF_8)).isEqualTo("data: {\"n\":1}\n\n");
            raw.socket.setSoTimeout(400);
            long start = System.nanoTime();
            assertThatThrownBy(() -> raw.in.read()).isInstanceOf(SocketTimeoutException.class);
            assertThat(millisSince(start)).isGreaterThanOrEqualTo(300);
            assertThat(raw.socket.isClosed()).isFalse();
            assertThat(sim.openStreams()).isEqualTo(1);
            assertThat(sim.awaitNoOpenStreams(Duration.ofMillis(100))).isFalse();
        }
        assertThat(sim.awaitNoOpenStreams(Duration.ofSeconds(2))).isTrue();
        assertThat(sim.streamsClosedByPeer()).isEqualTo(1);
        assertThat(sim.repliesClosedByPeer()).isEqualTo(1);
    }

    @Test
    void closingTheSimulatorEndsAStallWithoutCountingItAsThePeerLeaving() throws Exception {
        sim.then(Reply.stream(StreamScript.chat("m", "a").stallAfter(0)));
        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            assertThat(sim.openStreams()).isEqualTo(1);
            sim.close();
            raw.socket.setSoTimeout(30_000);
            assertThatThrownBy(raw::readChunk).as("the connection ends, no read timeout")
                    .isInstanceOf(IOException.class).isNotInstanceOf(SocketTimeoutException.class);
        }
        assertThat(sim.awaitNoOpenStreams(Duration.ofSeconds(2))).isTrue();
        assertThat(sim.streamsClosedByPeer()).isZero();
    }

    @Test
    void intervalAndFirstEventDelayAreRespected() throws Exception {
        sim.then(Reply.stream(StreamScript.events("1", "2", "3", "4").interval(Duration.ofMillis(150)).firstEventDelay(Duration.ofMillis(300))));
        try (Raw raw = new Raw(port())) {
            long start = System.nanoTime();
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            long headers = millisSince(start);
            List<Long> arrivals = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                raw.readChunk();
                arrivals.add(millisSince(start));
            }
            assertThat(raw.readChunk()).asString(StandardCharsets.UTF_8).isEqualTo("data: [DONE]\n\n");

            assertThat(arrivals.get(0)).as("first event after the first event delay").isGreaterThanOrEqualTo(280L);
            assertThat(arrivals.get(0) - headers).as("headers sent at once, well before the first event").isGreaterThanOrEqualTo(150L);
            // An event can arrive late on a loaded machine, never early: check each against its schedule.
            for (int i = 1; i < 4; i++) {
                assertThat(arrivals.get(i)).as("event " + i + " not before its interval").isGreaterThanOrEqualTo(300L + i * 150L - 20L);
            }
        }
    }

    @Test
    void firstByteDelayHoldsBackTheHeaders() throws Exception {
        sim.then(Reply.stream(StreamScript.events("1").firstByteDelay(Duration.ofMillis(300))));
        long start = System.nanoTime();
        HttpResponse<InputStream> response = http.send(post(STREAM_BODY), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(millisSince(start)).isGreaterThanOrEqualTo(280);
        try (InputStream body = response.body()) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("data: 1\n\ndata: [DONE]\n\n");
        }
    }

    @Test
    void aPeerClosingMidStreamIsCounted() throws Exception {
        StreamScript slow = StreamScript.events("1", "2", "3", "4", "5", "6", "7", "8", "9", "10").interval(Duration.ofMillis(60));
        sim.then(Reply.stream(slow), Reply.stream(slow));
        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            raw.readChunk();
            raw.readChunk();
            assertThat(sim.openStreams()).isEqualTo(1);
        }
        assertThat(sim.awaitNoOpenStreams(Duration.ofSeconds(2))).isTrue();
        assertThat(sim.streamsClosedByPeer()).isEqualTo(1);

        HttpResponse<InputStream> response = http.send(post(STREAM_BODY), HttpResponse.BodyHandlers.ofInputStream());
        InputStream body = response.body();
        assertThat(body.read()).isEqualTo('d');
        body.close();
        assertThat(sim.awaitNoOpenStreams(Duration.ofSeconds(2))).as("the JDK client closes the connection too").isTrue();
        assertThat(sim.streamsClosedByPeer()).isEqualTo(2);
    }

    @Test
    void delayedRepliesNoticeAPeerThatGivesUp() throws Exception {
        // noticed while waiting: a reply that only found out when writing would take a minute
        sim.then(Reply.json(200, "{}").after(Duration.ofSeconds(60)),
                Reply.stream(StreamScript.events("1").firstByteDelay(Duration.ofSeconds(60))),
                Reply.stream(StreamScript.events("1").firstEventDelay(Duration.ofSeconds(60))));
        for (int i = 1; i <= 3; i++) {
            int sent = i;
            try (Raw raw = new Raw(port())) {
                raw.post("/v1/chat/completions", STREAM_BODY);
                await().atMost(Duration.ofSeconds(30)).until(() -> sim.requestCount() == sent);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sim.repliesClosedByPeer() >= sent);
            assertThat(sim.repliesClosedByPeer()).isEqualTo(i);
        }
        assertThat(sim.awaitNoOpenStreams(Duration.ofSeconds(30))).isTrue();
        assertThat(sim.streamsClosedByPeer()).isEqualTo(2);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private int port() {
        return URI.create(sim.baseUrl()).getPort();
    }

    private HttpRequest post(String body, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder.build();
    }

    /** One streaming request over a fresh raw socket; the dechunked body, asserting a clean end. */
    private String rawStream() throws IOException {
        try (Raw raw = new Raw(port())) {
            raw.post("/v1/chat/completions", STREAM_BODY);
            raw.readHead();
            assertThat(raw.header("transfer-encoding")).isEqualTo("chunked");
            return raw.readChunkedBody();
        }
    }

    private static List<String> dataLines(String body, String prefix) {
        List<String> data = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(prefix) + "(.*)$").matcher(body);
        while (m.find()) {
            data.add(m.group(1));
        }
        return data;
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static long millisSince(long nanoStart) {
        return (System.nanoTime() - nanoStart) / 1_000_000;
    }

    /** A hand-driven HTTP/1.1 client on a plain socket, to see exactly what went over the wire. */
    private static final class Raw implements AutoCloseable {
        final Socket socket;
        final BufferedInputStream in;
        final OutputStream out;
        int status;
        final Map<String, String> headers = new HashMap<>();
        List<Integer> chunkSizes = new ArrayList<>();

        Raw(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            in = new BufferedInputStream(socket.getInputStream(), 8192);
            out = socket.getOutputStream();
        }

        void post(String path, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
        }

        void readHead() throws IOException {
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.1 ")) {
                throw new IOException("bad status line: " + statusLine);
            }
            status = Integer.parseInt(statusLine.split(" ")[1]);
            headers.clear();
            chunkSizes = new ArrayList<>();
            for (String line = line(); !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The next chunk's data; null after the terminating chunk; EOFException if the connection ends first. */
        byte[] readChunk() throws IOException {
            String size = line();
            int n = Integer.parseInt(size.trim(), 16);
            if (n == 0) {
                expectEmptyLine();
                return null;
            }
            chunkSizes.add(n);
            byte[] data = readLength(n);
            expectEmptyLine();
            return data;
        }

        private void expectEmptyLine() throws IOException {
            String line = line();
            if (!line.isEmpty()) {
                throw new IOException("bad chunk framing: " + line);
            }
        }

        String readChunkedBody() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (byte[] chunk = readChunk(); chunk != null; chunk = readChunk()) {
                body.writeBytes(chunk);
            }
            return body.toString(StandardCharsets.UTF_8);
        }

        byte[] readLength(int n) throws IOException {
            byte[] data = in.readNBytes(n);
            if (data.length < n) {
                throw new EOFException("connection ended after " + data.length + " of " + n + " bytes");
            }
            return data;
        }

        String readToEof() throws IOException {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        private String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new EOFException("connection ended inside a line");
                }
                line.write(b);
            }
            String s = line.toString(StandardCharsets.ISO_8859_1);
            if (!s.endsWith("\r")) {
                throw new IOException("an HTTP line without CRLF: " + s);
            }
            return s.substring(0, s.length() - 1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
