package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import io.chain429.ratelimit.EmbeddedProviderState;
import io.chain429.ratelimit.LimitObservation;
import io.chain429.ratelimit.StateSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of malformed requests, and requests met by malformed provider answers, against the running service. Every
 * answer must be a well-formed OpenAI error, a completion or a stream that ends either with {@code [DONE]} or with one
 * error event; never a 500; the service stays up, and afterwards no thread is still working and nothing is in flight.
 *
 * <p>Seeded: the seed is printed, and {@code -Dfuzz.seed=N} replays a run (the cases, not their interleaving over the
 * threads); the time of each run is printed.
 */
@ExtendWith(GatewayExtension.class)
class FuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** How many of each; {@code -Dfuzz.clientCases=N -Dfuzz.upstreamCases=N} for a longer hunt. */
    private static final int CLIENT_CASES = Integer.getInteger("fuzz.clientCases", 2_000);
    private static final int UPSTREAM_CASES = Integer.getInteger("fuzz.upstreamCases", 1_000);
    private static final int THREADS = 8;
    private static final int MAX_PROBLEMS_SHOWN = 15;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Queue<String> problems = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicInteger> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicLong> millisByKind = new java.util.concurrent.ConcurrentHashMap<>();
    @Simulated("fuzzed")
    private ProviderSimulator provider;
    private RunningGateway gateway;
    @TempDir
    Path folders;

    @BeforeEach
    void boot() throws Exception {
        String timeouts = "timeouts: {connect: 1s, firstByte: 1s, firstToken: 700ms, idle: 500ms, total: 3s}";
        gateway = GatewayFolders.start(folders, """
                version: 1
                settings:
                  defaultChain: fz
                  cooldownDefault: 1ms
                  cooldownPaymentRequired: 1ms
                  circuitOpenFor: 1ms
                  keyProbeAfter: 1h
                providers:
                  - id: up1
                    type: openai-compatible
                    baseUrl: %1$s
                    apiKey: ${env:FUZZ_KEY}
                    %2$s
                  - id: up2
                    type: openai-compatible
                    baseUrl: %1$s
                    apiKey: ${env:FUZZ_KEY}
                    quotaScope: provider
                    %2$s
                  - id: untouched
                    type: openai-compatible
                    baseUrl: %1$s
                """.formatted(provider.baseUrl(), timeouts), GatewayFolders.BODY_LIMIT_PROPERTIES,
                chains("fz", "up1/model-a, up2/model-b", "single", "up1/model-c", "fresh", "untouched/model-z"),
                Map.of("FUZZ_KEY", "sk-fuzz-0123456789abcdefghijklmnop"));
    }

    @AfterEach
    void stop() {

    }

    @Test
    void malformedRequestsAndMalformedProviderAnswersAlwaysGetAWellFormedAnswer() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FuzzTest seed=" + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        long started = System.nanoTime();

        run(CLIENT_CASES, seed, this::clientCase);
        long clientMillis = (System.nanoTime() - started) / 1_000_000;
        run(UPSTREAM_CASES, seed + 1, this::upstreamCase);
        long totalMillis = (System.nanoTime() - started) / 1_000_000;

        provider.reset();
        resetProviderState();
        System.out.printf(Locale.ROOT, "FuzzTest: %d client cases in %d ms, %d upstream cases in %d ms; outcomes %s%n",
                CLIENT_CASES, clientMillis, UPSTREAM_CASES, totalMillis - clientMillis, new java.util.TreeMap<>(outcomes));
        System.out.println("FuzzTest: request time by kind (ms, summed over threads) " + new java.util.TreeMap<>(millisByKind));
        List<String> shown = problems.stream().limit(MAX_PROBLEMS_SHOWN).toList();
        assertThat(shown).as("seed %d: %d problem(s), the first ones", seed, problems.size()).isEmpty();

        // the service is still up and serves normally (on a provider the fuzz never reached: its state is its own)
        HttpResponse<String> after = gateway.chat("fresh");
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        // nothing still working for requests long answered, no upstream connection left open
        assertThat(provider.awaitNoOpenStreams(Duration.ofSeconds(10)))
                .as("seed %d: every upstream stream released (%d still open)", seed, provider.openStreams()).isTrue();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(gateway.camelContext().getInflightRepository().size()).as("exchanges in flight").isZero();
            assertThat(busyThreadNames()).as("threads still inside 429chain").isEmpty();
        });
    }

    /**
     * Found by this fuzz: a stream was asked for, and the provider answered an error status (or JSON) whose body then
     * stalls. 429chain reads such a body whole and gives up at the total timeout; it must then also cancel the upstream
     * exchange, or the connection stays open for as long as the provider keeps it.
     */
    @Test
    void aStalledBodyReadWholeForAStreamIsReleasedAtTheTotalTimeout() throws Exception {
        provider.then(new Reply(500, Map.of("Content-Type", "text/event-stream"), "", Duration.ZERO,
                StreamScript.chat("model-c", "a", "b").stallAfter(1), false));

        RunningGateway.Streamed streamed = gateway.streamChat("single");

        assertThat(streamed.status()).isEqualTo(503);
        assertThat(provider.awaitNoOpenStreams(Duration.ofSeconds(3))).as("the stalled upstream is released").isTrue();
    }

    // ------------------------------------------------------------------------------------------------- driving

    private interface Case {
        void run(Random random, int index) throws Exception;
    }

    private void run(int cases, long seed, Case test) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    Random random = new Random(seed * 31 + thread);
                    for (int i = thread; i < cases; i += THREADS) {
                        try {
                            test.run(random, i);
                        } catch (Exception | AssertionError e) {
                            problems.add("case " + i + ": " + e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One malformed (or, now and then, valid) request; the provider answers normally. */
    private void clientCase(Random random, int index) throws Exception {
        Request request = malformedRequest(random);
        long start = System.nanoTime();
        Answer answer = send(request);
        millisByKind.computeIfAbsent(request.kind(), k -> new java.util.concurrent.atomic.AtomicLong())
                .addAndGet((System.nanoTime() - start) / 1_000_000);
        check(request, answer);
    }

    /** A valid request, met by a malformed provider answer (two: a chain may try both steps). */
    private void upstreamCase(Random random, int index) throws Exception {
        if (index % 20 == 0) {
            resetProviderState();
        }
        provider.then(randomReply(random), randomReply(random));
        ObjectNode body = validBody(random);
        body.put("model", random.nextInt(4) == 0 ? "single" : "fz");
        boolean stream = random.nextBoolean();
        body.put("stream", stream);
        if (stream && random.nextInt(3) == 0) {
            body.putObject("stream_options").put("include_usage", true);
        }
        Request request = new Request("upstream", "POST", "/v1/chat/completions", "application/json",
                JSON.writeValueAsBytes(body));
        check(request, send(request));
    }

    private record Request(String kind, String method, String path, String contentType, byte[] body) {
        @Override
        public String toString() {
            String text = new String(body, StandardCharsets.UTF_8);
            return kind + " " + method + " " + path + " [" + contentType + "] " + (text.length() > 300 ? text.substring(0, 300) + "…(" + body.length + " bytes)" : text);
        }
    }

    private record Answer(int status, String contentType, String body) {
    }

    private Answer send(Request request) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(gateway.uri(request.path()));
        if (request.contentType() != null) {
            builder.header("Content-Type", request.contentType());
        }
        builder.method(request.method(), request.body().length == 0 && !request.method().equals("POST")
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        var future = http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        try {
            HttpResponse<byte[]> response = future.get(20, TimeUnit.SECONDS);
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    new String(response.body(), StandardCharsets.UTF_8));
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("no complete answer within 20 s to " + request);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("the connection failed (" + e.getCause() + ") for " + request);
        }
    }

    // -------------------------------------------------------------------------------------------------- checks

    private void check(Request request, Answer answer) {
        String outcome = answer.status() + (answer.contentType().startsWith("text/event-stream") ? " stream" : "");
        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
        try {
            assertThat(answer.status()).as("status").isNotEqualTo(500).isBetween(200, 599);
            if (answer.status() == 200 && answer.contentType().startsWith("text/event-stream")) {
                checkStream(answer.body());
            } else if (answer.status() == 200 && !request.path().startsWith("/v1/chat/completions")) {
                // /v1/models, /v1/ratelimits; /v1/models/{model}
                assertThat(JSON.readTree(answer.body()).path("object").asText()).isIn("list", "model");
            } else if (answer.status() == 200) {
                JsonNode completion = JSON.readTree(answer.body());
                assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
                assertThat(completion.path("choices").isArray()).isTrue();
            } else {
                assertThat(answer.contentType()).startsWith("application/json");
                checkError(JSON.readTree(answer.body()));
                if (answer.status() == 429) {
                    assertThat(JSON.readTree(answer.body()).path("error").path("code").asText()).isNotEmpty();
                }
            }
        } catch (IOException | AssertionError e) {
            String body = answer.body().length() > 400 ? answer.body().substring(0, 400) + "…" : answer.body();
            problems.add(request + "\n  -> " + answer.status() + " [" + answer.contentType() + "] " + body + "\n  " + e.getMessage());
        }
    }

    private static void checkError(JsonNode root) {
        assertThat(root.isObject() && root.size() == 1).as("one field, error").isTrue();
        JsonNode error = root.path("error");
        assertThat(error.size()).as("message, type, param, code").isEqualTo(4);
        assertThat(error.path("message").isTextual()).isTrue();
        assertThat(error.path("type").isTextual()).isTrue();
        assertThat(error.has("param") && (error.get("param").isNull() || error.get("param").isTextual())).as("param: null or text").isTrue();
        assertThat(error.has("code") && (error.get("code").isNull() || error.get("code").isTextual())).as("code: null or text").isTrue();
        if (error.path("code").asText().equals("internal_error")) {
            throw new AssertionError("internal_error: a 429chain bug");
        }
    }

    /** Chunks, then [DONE]; or chunks, then one error event and no [DONE]. */
    private static void checkStream(String raw) throws IOException {
        List<String> data = new ArrayList<>();
        boolean errorEvent = false;
        for (String line : raw.split("\n", -1)) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            } else if (line.equals("event: error")) {
                errorEvent = true;
            } else {
                assertThat(line).as("stream line").isEmpty();
            }
        }
        assertThat(data).as("events").isNotEmpty();
        String last = data.get(data.size() - 1);
        for (String event : data.subList(0, data.size() - 1)) {
            assertThat(event).isNotEqualTo("[DONE]");
            JsonNode chunk = JSON.readTree(event);
            assertThat(chunk.path("object").asText()).as(event).isEqualTo("chat.completion.chunk");
            assertThat(chunk.path("choices").isArray()).as(event).isTrue();
        }
        if (last.equals("[DONE]")) {
            assertThat(errorEvent).as("an error event before [DONE]").isFalse();
        } else {
            assertThat(errorEvent).as("a stream without [DONE] ends with an error event").isTrue();
            checkError(JSON.readTree(last));
        }
    }

    // ---------------------------------------------------------------------------------------- malformed requests

    private static final String[] CONTENT_TYPES = {
        "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
        "application/octet-stream", "application/json; charset=utf-16", "application/json; charset=bogus-charset-9",
        "application/json; charset=", "*/*", "multipart/form-data; boundary=fuzzb0undary", "multipart/form-data", null,
        "application/xml", ";;;", "application/json; boundary=\"x\"",
    };

    private Request malformedRequest(Random random) throws IOException {
        return switch (random.nextInt(14)) {
            case 0 -> post("random-bytes", randomBytes(random, random.nextInt(3000)));
            case 1 -> {
                byte[] valid = JSON.writeValueAsBytes(validBody(random));
                yield post("truncated", Arrays.copyOf(valid, random.nextInt(valid.length)));
            }
            case 2, 3, 4 -> post("wrong-type", JSON.writeValueAsBytes(wrongType(random)));
            case 5 -> post("huge", JSON.writeValueAsBytes(huge(random)));
            case 6 -> post("deep", deep(random));
            case 7 -> oddContentType(random);
            case 8 -> post("bad-utf8", badUtf8(random));
            case 9 -> post("mutated", mutate(random, JSON.writeValueAsBytes(validBody(random))));
            case 10 -> post("unknown-fields", JSON.writeValueAsBytes(unknownFields(random)));
            case 11 -> post("numbers", JSON.writeValueAsBytes(edgeNumbers(random)));
            case 12 -> oddMethodOrPath(random);
            default -> post("valid", JSON.writeValueAsBytes(validBody(random)));
        };
    }

    private static Request post(String kind, byte[] body) {
        return new Request(kind, "POST", "/v1/chat/completions", "application/json", body);
    }

    private ObjectNode validBody(Random random) {
        ObjectNode body = NODES.objectNode();
        if (random.nextInt(5) > 0) {
            body.put("model", pick(random, "fz", "single", "up1/model-x", "up2/model-y", "unknown-model", ""));
        }
        ArrayNode messages = body.putArray("messages");
        if (random.nextBoolean()) {
            messages.addObject().put("role", pick(random, "system", "developer")).put("content", randomText(random, 40));
        }
        int turns = 1 + random.nextInt(3);
        for (int i = 0; i < turns; i++) {
            ObjectNode user = messages.addObject().put("role", "user");
            if (random.nextInt(4) == 0) {
                ArrayNode parts = user.putArray("content");
                parts.addObject().put("type", "text").put("text", randomText(random, 60));
                if (random.nextBoolean()) {
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", "data:image/png;base64,AAAA");
                }
            } else {
                user.put("content", randomText(random, 80));
            }
            if (i < turns - 1) {
                messages.addObject().put("role", "assistant").put("content", randomText(random, 40));
            }
        }
        if (random.nextInt(3) == 0) {
            body.put("stream", random.nextBoolean());
        }
        if (random.nextInt(4) == 0) {
            body.put("max_tokens", 1 + random.nextInt(1000));
        }
        if (random.nextInt(4) == 0) {
            body.put("temperature", random.nextDouble() * 2);
        }
        return body;
    }

    private static final String[] KNOWN_FIELDS = {
        "model", "messages", "stream", "n", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stream_options",
        "messages[0]", "messages[0].role", "messages[0].content", "messages[0].content[0]", "messages[0].content[0].type",
        "messages[0].content[0].text", "messages[0].tool_calls", "tools", "stop", "seed", "response_format", "user",
    };

    private ObjectNode wrongType(Random random) {
        ObjectNode body = validBody(random);
        String field = KNOWN_FIELDS[random.nextInt(KNOWN_FIELDS.length)];
        JsonNode value = randomValue(random, 3);
        if (!field.startsWith("messages[")) {
            body.set(field, value);
            return body;
        }
        ObjectNode message = (ObjectNode) body.path("messages").get(0);
        switch (field) {
            case "messages[0]" -> ((ArrayNode) body.get("messages")).set(0, value);
            case "messages[0].role" -> message.set("role", value);
            case "messages[0].content" -> message.set("content", value);
            case "messages[0].tool_calls" -> message.set("tool_calls", value);
            default -> {
                ArrayNode parts = message.putArray("content");
                ObjectNode part = parts.addObject().put("type", "text").put("text", "hi");
                if (field.endsWith("content[0]")) {
                    parts.set(0, value);
                } else {
                    part.set(field.substring(field.lastIndexOf('.') + 1), value);
                }
            }
        }
        return body;
    }

    private JsonNode randomValue(Random random, int depth) {
        int kind = random.nextInt(depth > 0 ? 16 : 12);
        return switch (kind) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextInt());
            case 3 -> NODES.numberNode(random.nextLong());
            case 4 -> NODES.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
            case 5 -> NODES.numberNode(new java.math.BigInteger(200, random));
            case 6 -> NODES.numberNode(new java.math.BigDecimal("1e" + (random.nextInt(1000) - 500)));
            case 7 -> NODES.textNode("");
            case 8 -> NODES.textNode(randomText(random, 30));
            case 9 -> NODES.textNode(pick(random, "user", "assistant", "system", "tool", "true", "1", "null", "[DONE]"));
            case 10 -> NODES.numberNode(pick(random, 0, -1, 1, 16, 17, 2, 1_000_000, 1_000_001));
            case 11 -> NODES.numberNode(random.nextBoolean() ? -0.0 : 2.0000001);
            case 12, 13 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(randomValue(random, depth - 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(pick(random, "role", "content", "type", "text", "x", "", "include_usage"), randomValue(random, depth - 1));
                }
                yield object;
            }
        };
    }

    private ObjectNode huge(Random random) {
        ObjectNode body = validBody(random);
        int size = switch (random.nextInt(4)) {
            case 0 -> 1_000 + random.nextInt(10_000);
            case 1 -> 20_000 + random.nextInt(200_000);
            case 2 -> GatewayFolders.BODY_LIMIT - 2_000 + random.nextInt(4_000); // either side of the limit
            default -> GatewayFolders.BODY_LIMIT + random.nextInt(GatewayFolders.BODY_LIMIT);
        };
        String text = randomText(random, 50).repeat(Math.max(1, size / 50));
        switch (random.nextInt(4)) {
            case 0 -> body.put("model", text);
            case 1 -> ((ObjectNode) body.path("messages").get(0)).put("content", text);
            case 2 -> body.put("x_huge", text);
            default -> {
                ArrayNode many = body.putArray("x_many");
                for (int i = 0; i < size / 8; i++) {
                    many.add(i);
                }
            }
        }
        return body;
    }

    private byte[] deep(Random random) throws IOException {
        int depth = pick(random, 10, 100, 500, 999, 1001, 2000, 5000);
        String open;
        String close;
        if (random.nextBoolean()) {
            open = "[";
            close = "]";
        } else {
            open = "{\"a\":";
            close = "}";
        }
        String nested = open.repeat(depth) + "1" + close.repeat(depth);
        String valid = JSON.writeValueAsString(validBody(random));
        String body = switch (random.nextInt(3)) {
            case 0 -> nested;
            case 1 -> valid.substring(0, valid.length() - 1) + ",\"x_deep\":" + nested + "}";
            default -> "{\"messages\":[{\"role\":\"user\",\"content\":" + nested + "}]}";
        };
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private Request oddContentType(Random random) throws IOException {
        String contentType = CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)];
        byte[] json = JSON.writeValueAsBytes(validBody(random));
        byte[] body;
        if (contentType != null && contentType.startsWith("multipart/form-data") && random.nextBoolean()) {
            ByteArrayOutputStream multipart = new ByteArrayOutputStream();
            multipart.writeBytes(("--fuzzb0undary\r\nContent-Disposition: form-data; name=\"" + pick(random, "file", "messages", "model")
                    + "\"" + (random.nextBoolean() ? "; filename=\"r.json\"" : "") + "\r\nContent-Type: application/json\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            multipart.writeBytes(json);
            multipart.writeBytes("\r\n--fuzzb0undary--\r\n".getBytes(StandardCharsets.UTF_8));
            body = multipart.toByteArray();
        } else if ("application/x-www-form-urlencoded".equals(contentType) && random.nextBoolean()) {
            body = ("model=fz&messages=" + java.net.URLEncoder.encode(new String(json, StandardCharsets.UTF_8), StandardCharsets.UTF_8)
                    + "&CamelHttpResponseCode=200&Content-Type=text/html").getBytes(StandardCharsets.UTF_8);
        } else if ("application/json; charset=utf-16".equals(contentType) && random.nextBoolean()) {
            body = new String(json, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16);
        } else {
            body = random.nextInt(3) == 0 ? randomBytes(random, 200) : json;
        }
        return new Request("content-type", "POST", "/v1/chat/completions", contentType, body);
    }

    private byte[] badUtf8(Random random) throws IOException {
        ObjectNode body = validBody(random);
        String marker = "MARKER_" + random.nextInt(1000);
        ((ObjectNode) body.path("messages").get(body.path("messages").size() - 1)).put("content", "before " + marker + " after");
        String json = JSON.writeValueAsString(body);
        String[] bad = {"\\ud800", "\\udfff", "\\ud800\\ud800", "\\u0000", "\\udbff\\udfff", "\\uDC00x", "\\u"};
        if (random.nextBoolean()) {
            return json.replace(marker, bad[random.nextInt(bad.length)]).getBytes(StandardCharsets.UTF_8);
        }
        byte[][] invalid = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0x80},
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};
        String[] halves = json.split(marker, 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(halves[0].getBytes(StandardCharsets.UTF_8));
        out.writeBytes(invalid[random.nextInt(invalid.length)]);
        out.writeBytes(halves[1].getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static byte[] mutate(Random random, byte[] valid) {
        byte[] bytes = valid.clone();
        for (int i = 1 + random.nextInt(5); i > 0 && bytes.length > 0; i--) {
            int[] nasty = {'{', '}', '[', ']', '"', ',', ':', '\\', 0, 0x7f, random.nextInt(256)};
            bytes[random.nextInt(bytes.length)] = (byte) nasty[random.nextInt(nasty.length)];
        }
        return bytes;
    }

    private ObjectNode unknownFields(Random random) {
        ObjectNode body = validBody(random);
        for (int i = random.nextInt(6); i >= 0; i--) {
            body.set(pick(random, "x_", "metadata", "seed", "logit_bias", "tools", "tool_choice", "", " ", "\u0000", "🦄", "stop")
                    + (random.nextBoolean() ? "" : random.nextInt(100)), randomValue(random, 3));
        }
        return body;
    }

    private ObjectNode edgeNumbers(Random random) {
        ObjectNode body = validBody(random);
        String field = pick(random, "n", "max_tokens", "max_completion_tokens", "temperature", "top_p");
        body.set(field, NODES.numberNode(new java.math.BigDecimal(pick(random, "0", "-0", "1e400", "-1e400", "1e-400", "0.5", "1.0", "2",
                "2.0000000000000001", "16", "16.0", "1000000", "1000000.5", "99999999999999999999999999", "-99999999999999999999"))));
        return body;
    }

    private Request oddMethodOrPath(Random random) {
        String method = pick(random, "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "POST");
        String path = pick(random, "/v1/chat/completions", "/v1/chat/completions/", "/v1/models", "/v1/ratelimits", "/v1/unknown",
                "/", "/v1/chat/completions?x=%00", "/v1/%2e%2e/etc/passwd", "/v1//chat//completions", "/V1/CHAT/COMPLETIONS",
                "/v1/models/default", "/v1/models/%00%ff", "/v1/models/a%2F..%2F..%2Fratelimits");
        byte[] body = method.equals("GET") || method.equals("OPTIONS") ? new byte[0] : "{}".getBytes(StandardCharsets.UTF_8);
        return new Request("method-path", method, path, "application/json", body);
    }

    // ------------------------------------------------------------------------------------ malformed provider answers

    private Reply randomReply(Random random) {
        return random.nextInt(3) == 0 ? randomStreamReply(random) : randomWholeReply(random);
    }

    private Reply randomWholeReply(Random random) {
        int status = random.nextInt(3) == 0 ? 200 : pick(random, 200, 201, 204, 301, 400, 401, 402, 403, 404, 408, 409, 413, 422, 429,
                500, 502, 503, 504, 529, 200 + random.nextInt(400));
        String body = switch (random.nextInt(12)) {
            case 0 -> provider.completion("model-a");
            case 1 -> "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":" + pick(random, "null", "[]", "[{}]", "[null]", "\"x\"",
                    "[{\"message\":null}]", "[{\"message\":{\"content\":5}}]", "[{\"index\":0,\"message\":{\"role\":\"assistant\"}}]") + "}";
            case 2 -> randomValue(random, 3).toString();
            case 3 -> {
                String valid = provider.completion("model-a");
                yield valid.substring(0, random.nextInt(valid.length()));
            }
            case 4 -> new String(randomBytes(random, random.nextInt(2000)), StandardCharsets.ISO_8859_1);
            case 5 -> "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>";
            case 6 -> "";
            case 7 -> "{\"error\":" + randomValue(random, 2) + "}";
            case 8 -> "{\"error\":{\"message\":" + randomValue(random, 1) + ",\"type\":" + randomValue(random, 1) + ",\"param\":"
                    + randomValue(random, 1) + ",\"code\":" + randomValue(random, 1) + "}}";
            case 9 -> "data: " + provider.completion("model-a").replace("\n", "") + "\n\ndata: [DONE]\n\n";
            case 10 -> "[{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\","
                    + "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"" + pick(random, "0.01s", "x", "-1s", "") + "\"}]}}]";
            default -> provider.completion("model-a").replace("hello", randomText(random, 30));
        };
        Map<String, String> headers = new HashMap<>();
        String contentType = pick(random, "application/json", "application/json; charset=utf-8", "text/html", "text/plain",
                "text/event-stream", null, "application/x-garbage;;", "");
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        if (random.nextInt(4) == 0) {
            headers.put("Retry-After", pick(random, "0", "0.05", "-5", "garbage", "1e309", "Wed, 21 Oct 2015 07:28:00 GMT", "NaN", ""));
        }
        if (random.nextInt(5) == 0) {
            headers.put(pick(random, "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", "x-ratelimit-limit-tokens",
                    "retry-after-ms", "X-RateLimit-Reset", "x-ratelimit-remaining-tokens"), pick(random, "abc", "-1", "5", "1ms", "0.01s",
                    "99999999999999999999", "", "1.5e3"));
        }
        Reply reply = new Reply(status, headers, body, random.nextInt(60) == 0 ? Duration.ofMillis(1_200) : Duration.ZERO);
        int bodyLength = body.getBytes(StandardCharsets.UTF_8).length;
        return switch (random.nextInt(10)) {
            case 0 -> reply.withHeader("Content-Length", String.valueOf(bodyLength + 1 + random.nextInt(100))); // cut short
            case 1 -> reply.withHeader("Content-Length", String.valueOf(Math.max(0, bodyLength - 1 - random.nextInt(5))));
            case 2 -> reply.connectionClose();
            default -> reply;
        };
    }

    private Reply randomStreamReply(Random random) {
        StreamScript script;
        if (random.nextBoolean()) {
            String[] tokens = new String[random.nextInt(6)];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = randomText(random, 8);
            }
            script = StreamScript.chat("model-a", tokens);
            if (random.nextInt(4) == 0) {
                script = script.withUsage(random.nextInt(100), random.nextInt(100));
            }
            if (random.nextInt(3) == 0) {
                script = script.thenEvents(randomPayloads(random));
            }
        } else {
            script = StreamScript.events(randomPayloads(random));
        }
        // most stream replies are 200 text/event-stream; some are not (an error status, or another type) and are read whole
        int status = random.nextInt(5) == 0 ? pick(random, 200, 400, 429, 500, 503, 201) : 200;
        String contentType = random.nextInt(5) > 0 ? "text/event-stream" : pick(random, "application/json", "text/html");
        if (random.nextInt(3) == 0) {
            script = script.cutAfter(random.nextInt(6));
        }
        if (random.nextInt(40) == 0) {
            script = script.stallAfter(random.nextInt(4));
        }
        if (random.nextInt(4) == 0) {
            script = script.noDone();
        }
        if (random.nextInt(4) == 0) {
            script = script.splitWrites(random.nextLong(), Duration.ZERO);
        }
        if (random.nextInt(4) == 0) {
            script = script.crlf();
        }
        if (random.nextInt(5) == 0) {
            script = script.keepAliveComments();
        }
        if (random.nextInt(5) == 0) {
            script = script.noSpaceAfterColon();
        }
        if (random.nextInt(6) == 0) {
            script = script.done(pick(random, "data:[DONE]", "data: [DONE] ", "data: [done]", "data: DONE", "[DONE]", "event: done"));
        }
        if (random.nextInt(6) == 0) {
            script = script.connectionClose();
        }
        if (random.nextInt(30) == 0) {
            script = script.firstEventDelay(Duration.ofMillis(800));
        }
        return new Reply(status, Map.of("Content-Type", contentType, "Cache-Control", "no-cache"), "", Duration.ZERO, script, false);
    }

    private String[] randomPayloads(Random random) {
        String[] payloads = new String[random.nextInt(6)];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = switch (random.nextInt(9)) {
                case 0 -> "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"" + randomText(random, 10) + "\"},\"finish_reason\":null}]}";
                case 1 -> "{\"choices\":[{\"delta\":" + randomValue(random, 2) + ",\"finish_reason\":" + randomValue(random, 0) + "}]}";
                case 2 -> "{\"error\":{\"message\":\"" + randomText(random, 20) + "\",\"code\":" + pick(random, "429", "503", "\"x\"",
                        "401", "null", "402") + "}}";
                case 3 -> randomValue(random, 3).toString();
                case 4 -> "{not json";
                case 5 -> "";
                case 6 -> "[DONE]";
                case 7 -> new String(randomBytes(random, random.nextInt(100)), StandardCharsets.ISO_8859_1);
                default -> "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + pick(random, "stop", "length", "end_turn",
                        "error", "", "tool_calls", "content_filter") + "\"}],\"usage\":" + randomValue(random, 1) + "}";
            };
        }
        return payloads;
    }

    // ------------------------------------------------------------------------------------------------ utilities

    /** Re-enables providers disabled by a fuzzed 401 and ends cooldowns, so that the fuzz keeps reaching the provider. */
    private void resetProviderState() {
        EmbeddedProviderState state = gateway.camelContext().getRegistry().lookupByNameAndType("providerStateStore",
                EmbeddedProviderState.class);
        StateSnapshot snapshot = state.snapshot();
        snapshot.disabled().forEach(disabled -> state.enable(disabled.providerId()));
        for (StateSnapshot.Key key : snapshot.keys()) {
            state.clearCooldown(key.key());
            // a fuzzed "remaining: 0" would keep the step skipped until its reset: report plenty left instead
            List<LimitObservation> plenty = key.observed().stream().filter(LimitObservation::exhausted)
                    .map(o -> new LimitObservation(o.dimension(), OptionalLong.empty(), OptionalLong.of(1_000_000), Optional.empty(), state.now()))
                    .toList();
            state.observe(key.key(), plenty);
        }
    }

    private static String randomText(Random random, int maxLength) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz ABC 0123456789 .,;:!?-_'\"\\/{}[]<>\n\tüñï漢字🎉\u0000\u2028";
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(maxLength + 1); i > 0; i--) {
            text.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return text.toString();
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static long busyThreads() {
        return BusyThreads.count();
    }

    private static List<String> busyThreadNames() {
        return BusyThreads.list();
    }
}
