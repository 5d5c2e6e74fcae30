package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import io.chain429.ops.UsageMBean;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.openmbean.CompositeData;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request log {@code <CHAIN429_DATA_DIR>/requests.log}, the recent requests and the usage totals, after real
 * traffic of every kind: a success, a stream, a request every step failed, a waterfall over a 429, a stream cut after
 * its first token.
 */
@ExtendWith(GatewayExtension.class)
class RequestLogTest {

    private static final String KEY = "sk-test-REQLOGCANARY-0123456789abcdef";
    private static final String MESSAGE = "purple elephants dance at midnight";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Simulated
    private ProviderSimulator first;
    @Simulated
    private ProviderSimulator second;
    private RunningGateway gateway;
    @TempDir
    Path dataDir;

    private void boot(Map<String, String> extraEnvironment) throws Exception {
        Map<String, String> env = new HashMap<>(extraEnvironment);
        env.put("REQLOG_KEY", KEY);
        env.put("CHAIN429_DATA_DIR", dataDir.toString());
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:REQLOG_KEY}
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:REQLOG_KEY}
                """.formatted(first.baseUrl(), second.baseUrl()), chains("duo", "first/model-a, second/model-b"), env);
    }

    /** Five requests; the providers quote the key and the message back in their errors, to tempt a leak. */
    private void serveEveryKindOfRequest() throws InterruptedException {
        String quoted = " (key " + KEY + ", you said " + MESSAGE + ")";
        // 1. a success from the first step
        assertThat(chat().statusCode()).isEqualTo(200);
        // 2. a stream from the first step, with its usage
        first.then(Reply.stream(StreamScript.chat("model-a", "Hel", "lo").withUsage(7, 4)));
        assertThat(stream().status()).isEqualTo(200);
        // 3. every step fails
        first.then(Reply.json(500, "{\"error\":{\"message\":\"boom" + quoted + "\"}}"));
        second.then(Reply.json(500, "{\"error\":{\"message\":\"bang" + quoted + "\"}}"));
        assertThat(chat().statusCode()).isEqualTo(503);
        // 4. a 429 on the first step, served by the second
        first.then(Reply.json(429, "{\"error\":{\"message\":\"slow down" + quoted + "\"}}").withHeader("retry-after", "60"));
        assertThat(chat().statusCode()).isEqualTo(200);
        // 5. the first step is cooling down (skipped, not sent); the second's stream is cut after its first token
        second.then(Reply.stream(StreamScript.chat("model-b", "a", "b", "c").cutAfter(2)));
        assertThat(stream().endsWithDone()).isFalse();
        awaitRequestsFinished();
    }

    /** A stream's client has its last event before 429chain has recorded the request: wait for that too. */
    private void awaitRequestsFinished() throws InterruptedException {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(gateway.camelContext().getInflightRepository().size()).as("requests still in flight").isZero());
    }

    private HttpResponse<String> chat() {
        return gateway.post("/v1/chat/completions", """
                {"model":"duo","messages":[{"role":"user","content":"%s"}]}""".formatted(MESSAGE));
    }

    private RunningGateway.Streamed stream() {
        return gateway.stream("""
                {"model":"duo","stream":true,"messages":[{"role":"user","content":"%s"}]}""".formatted(MESSAGE));
    }

    @Test
    void eachRequestIsOneJsonLineInTheDataFolderWithItsAttemptsStatusTokensAndTimes() throws Exception {
        boot(Map.of());
        Instant start = Instant.now();
        serveEveryKindOfRequest();
        gateway.close(); // the lines still queued are written when it stops
        gateway = null;

        List<String> lines = Files.readAllLines(dataDir.resolve("requests.log"));
        assertThat(lines).as("one line per request, none per chunk").hasSize(5);
        List<JsonNode> requests = lines.stream().map(RequestLogTest::parse).toList();
        for (JsonNode request : requests) {
            assertThat(request.path("chain").asText()).isEqualTo("duo");
            assertThat(request.path("client").asText()).isEqualTo("anonymous");
            assertThat(Instant.parse(request.path("time").asText())).isBetween(start, Instant.now());
            assertThat(request.path("totalMs").asLong()).isBetween(0L, Duration.between(start, Instant.now()).toMillis() + 1);
        }

        JsonNode success = requests.get(0);
        assertThat(success.path("servedBy").asText()).isEqualTo("first/model-a");
        assertThat(outcomes(success)).containsExactly("first/model-a success sent");
        assertThat(success.path("status").asInt()).isEqualTo(200);
        assertThat(success.path("stream").asBoolean()).isFalse();
        assertThat(success.path("promptTokens").asInt()).isEqualTo(5);
        assertThat(success.path("completionTokens").asInt()).isEqualTo(3);
        assertThat(success.has("ttftMs")).as("no time to first token for a JSON answer").isFalse();

        JsonNode streamed = requests.get(1);
        assertThat(streamed.path("servedBy").asText()).isEqualTo("first/model-a");
        assertThat(outcomes(streamed)).containsExactly("first/model-a streaming sent");
        assertThat(streamed.path("stream").asBoolean()).isTrue();
        assertThat(streamed.path("promptTokens").asInt()).isEqualTo(7);
        assertThat(streamed.path("completionTokens").asInt()).isEqualTo(4);
        assertThat(streamed.path("ttftMs").asDouble()).isPositive().isLessThanOrEqualTo(streamed.path("totalMs").asDouble() + 1);
        assertThat(streamed.has("streamError")).isFalse();

        JsonNode failed = requests.get(2);
        assertThat(failed.path("servedBy").isNull()).isTrue();
        assertThat(outcomes(failed)).containsExactly("first/model-a failed sent", "second/model-b failed sent");
        assertThat(failed.path("status").asInt()).isEqualTo(503);
        assertThat(failed.path("promptTokens").isNull()).isTrue();

        JsonNode waterfall = requests.get(3);
        assertThat(waterfall.path("servedBy").asText()).isEqualTo("second/model-b");
        assertThat(outcomes(waterfall)).containsExactly("first/model-a rate_limited sent", "second/model-b success sent");
        assertThat(waterfall.path("status").asInt()).isEqualTo(200);

        JsonNode cut = requests.get(4);
        assertThat(cut.path("servedBy").asText()).isEqualTo("second/model-b");
        assertThat(outcomes(cut)).containsExactly("first/model-a skipped not sent", "second/model-b streaming sent");
        assertThat(cut.path("streamError").asText()).isNotBlank();
        assertThat(cut.path("ttftMs").asDouble()).isPositive();

        String file = String.join("\n", lines);
        assertThat(file).as("the key, whole or in part").doesNotContain(KEY).doesNotContain("REQLOGCANARY");
        assertThat(file).as("the client's message and the providers' words")
                .doesNotContain("elephant").doesNotContain("hello from").doesNotContain("Hel").doesNotContain("boom");
    }

    @Test
    void statsOnTheManagementPortShowTheRecentRequestsAndTotalsPerProviderAndChain() throws Exception {
        boot(Map.of());
        serveEveryKindOfRequest();

        HttpResponse<String> response = gateway.getManagement("/v1/stats");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode stats = json(response);
        JsonNode recent = stats.path("recentRequests");
        assertThat(recent).hasSize(5);
        assertThat(recent.get(0).path("streamError").asText()).as("newest first").isNotBlank();
        assertThat(recent.get(4).path("attempts").findValuesAsText("outcome")).containsExactly("success");

        assertThat(totals(stats.path("chains"), "duo")).isEqualTo(new Totals(5, 2, 17, 10));
        // first: sent the success, the stream, the failure and the 429; second: the failure, the waterfall, the cut stream
        assertThat(totals(stats.path("providers"), "first")).isEqualTo(new Totals(4, 2, 12, 7));
        assertThat(totals(stats.path("providers"), "second")).isEqualTo(new Totals(3, 2, 5, 3));
        JsonNode today = stats.path("providers").get(0).path("today");
        assertThat(today.path("requests").asLong()).as("all of it happened today").isEqualTo(4);
        assertThat(stats.path("requestLog").path("file").asText()).endsWith("requests.log");
        assertThat(stats.path("requestLog").path("droppedLines").asLong()).isZero();
        assertThat(response.body()).doesNotContain("REQLOGCANARY").doesNotContain("elephant");
    }

    @Test
    void theUsageMBeanShowsTheSameRecentRequestsAndTotals() throws Exception {
        boot(Map.of());
        serveEveryKindOfRequest();
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();

        String[] recent = (String[]) server.getAttribute(UsageMBean.NAME, "RecentRequests");
        CompositeData[] providers = (CompositeData[]) server.getAttribute(UsageMBean.NAME, "Providers");
        CompositeData[] chains = (CompositeData[]) server.getAttribute(UsageMBean.NAME, "Chains");

        assertThat(recent).hasSize(5);
        assertThat(parse(recent[0]).path("streamError").asText()).isNotBlank();
        assertThat(parse(recent[2]).path("status").asInt()).isEqualTo(503);
        assertThat(Arrays.stream(providers).map(row -> row.get("name"))).containsExactly("first", "second");
        CompositeData firstSinceStart = (CompositeData) providers[0].get("sinceStart");
        assertThat(firstSinceStart.get("requests")).isEqualTo(4L);
        assertThat(firstSinceStart.get("errors")).isEqualTo(2L);
        assertThat(firstSinceStart.get("promptTokens")).isEqualTo(12L);
        CompositeData duoToday = (CompositeData) chains[0].get("today");
        assertThat(duoToday.get("requests")).isEqualTo(5L);
        assertThat(duoToday.get("completionTokens")).isEqualTo(10L);
    }

    /** By default the line goes to the file only; CHAIN429_REQUEST_LOG_CONSOLE=true puts it on the console too. */
    @Test
    void theConsoleGetsTheLineOnlyWhenAskedTo() throws Exception {
        boot(Map.of());
        assertThat(consoleLinesDuring(this::chat)).isEmpty();
        gateway.close();

        boot(Map.of("CHAIN429_REQUEST_LOG_CONSOLE", "true"));
        List<String> lines = consoleLinesDuring(this::chat);

        assertThat(lines).hasSize(1);
        assertThat(parse(lines.get(0)).path("servedBy").asText()).isEqualTo("first/model-a");
        assertThat(lines.get(0)).doesNotContain("elephant").doesNotContain("REQLOGCANARY");
    }

    /** The file stays whole across a restart: the next gateway appends to it. */
    @Test
    void aRestartAppendsToTheSameFile() throws Exception {
        boot(Map.of());
        chat();
        gateway.close();
        boot(Map.of());
        chat();
        gateway.close();
        gateway = null;

        assertThat(Files.readAllLines(dataDir.resolve("requests.log"))).hasSize(2);
    }

    private record Totals(long requests, long errors, long promptTokens, long completionTokens) {
    }

    private static Totals totals(JsonNode rows, String name) {
        for (JsonNode row : rows) {
            if (row.path("name").asText().equals(name)) {
                JsonNode counts = row.path("sinceStart");
                return new Totals(counts.path("requests").asLong(), counts.path("errors").asLong(),
                        counts.path("promptTokens").asLong(), counts.path("completionTokens").asLong());
            }
        }
        throw new AssertionError("no row " + name + " in " + rows);
    }

    private static List<String> outcomes(JsonNode request) {
        return java.util.stream.StreamSupport.stream(request.path("attempts").spliterator(), false)
                .map(a -> a.path("step").asText() + " " + a.path("outcome").asText() + " " + (a.path("sent").asBoolean() ? "sent" : "not sent"))
                .toList();
    }

    private static List<String> consoleLinesDuring(Runnable requests) {
        StringWriter captured = new StringWriter();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        WriterAppender appender = WriterAppender.newBuilder().setName("reqlog-console-capture").setTarget(captured)
                .setLayout(PatternLayout.newBuilder().withPattern("%m%n").build()).build();
        appender.start();
        context.getConfiguration().getLoggerConfig("io.chain429.requests").addAppender(appender, null, null);
        context.updateLoggers();
        try {
            requests.run();
        } finally {
            context.getConfiguration().getLoggerConfig("io.chain429.requests").removeAppender(appender.getName());
            context.updateLoggers();
        }
        return captured.toString().lines().filter(line -> line.startsWith("{")).toList();
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
