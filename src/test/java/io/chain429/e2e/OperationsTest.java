package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.ProviderSimulator.Reply;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What operators see on the management port after real traffic. */
class OperationsTest {

    private ProviderSimulator first;
    private ProviderSimulator second;
    private RunningGateway gateway;

    @BeforeEach
    void boot() throws Exception {
        first = new ProviderSimulator("first");
        second = new ProviderSimulator("second");
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                  - id: nokey
                    type: groq
                    apiKey: ${env:UNSET_FOR_OPERATIONS_TEST}
                """.formatted(first.baseUrl(), second.baseUrl()), chains("duo", "first/model-a, second/model-b"), Map.of());
    }

    @AfterEach
    void stop() {
        gateway.close();
        first.close();
        second.close();
    }

    @Test
    void eachRequestLeavesOneStructuredLogLineWithoutKeysOrMessageText() throws Exception {
        StringWriter captured = new StringWriter();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        WriterAppender appender = WriterAppender.newBuilder().setName("request-log-capture").setTarget(captured)
                .setLayout(PatternLayout.newBuilder().withPattern("%m%n").build()).build();
        appender.start();
        context.getConfiguration().getLoggerConfig("io.chain429.requests").addAppender(appender, null, null);
        context.updateLoggers();
        try {
            first.then(Reply.json(429, "{}").withHeader("retry-after", "60"));
            gateway.post("/v1/chat/completions", "{\"model\":\"duo\",\"messages\":[{\"role\":\"user\",\"content\":\"my secret plans\"}]}");
        } finally {
            context.getConfiguration().getLoggerConfig("io.chain429.requests").removeAppender("request-log-capture");
            context.updateLoggers();
        }

        List<String> lines = captured.toString().lines().filter(line -> line.startsWith("{")).toList();
        assertThat(lines).hasSize(1);
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertThat(line.path("chain").asText()).isEqualTo("duo");
        assertThat(line.path("servedBy").asText()).isEqualTo("second/model-b");
        assertThat(line.path("attempts").findValuesAsText("outcome")).containsExactly("rate_limited", "success");
        assertThat(line.path("status").asInt()).isEqualTo(200);
        assertThat(line.path("promptTokens").asInt()).isEqualTo(5);
        assertThat(line.path("completionTokens").asInt()).isEqualTo(3);
        assertThat(line.path("client").asText()).isEqualTo("anonymous");
        assertThat(line.path("totalMs").isNumber()).isTrue();
        assertThat(lines.get(0)).doesNotContain("secret plans").doesNotContain("hello from");
    }

    @Test
    void healthReportsProvidersByStateAndTheProcess() {
        first.then(Reply.json(429, "{}").withHeader("retry-after", "60"));
        gateway.chat("duo");

        HttpResponse<String> health = gateway.getManagement("/health");

        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode body = json(health);
        assertThat(body.path("status").asText()).isEqualTo("UP");
        assertThat(body.path("providers").path("enabled").asInt()).isEqualTo(1);
        assertThat(body.path("providers").path("cooling").asInt()).isEqualTo(1);
        assertThat(body.path("providers").path("disabled").asInt()).isEqualTo(1);
        assertThat(body.path("openStreams").asInt()).isZero();
        assertThat(body.path("heap").path("usedBytes").asLong()).isPositive();
    }

    @Test
    void metricsCountRequestsAttemptsHopsCooldownsAndTokens() {
        first.then(Reply.json(429, "{}").withHeader("retry-after", "60"));
        gateway.chat("duo");
        gateway.chat("duo");

        String metrics = gateway.getManagement("/metrics").body();

        assertThat(metrics).contains("chain429_requests_total{chain=\"duo\",outcome=\"ok\",provider=\"second\"} 2.0");
        assertThat(metrics).contains("chain429_waterfall_hops_total{chain=\"duo\"} 1.0");
        assertThat(metrics).contains("chain429_cooldowns_total{provider=\"first\",reason=\"rate_limited\"} 1.0");
        assertThat(metrics).contains("chain429_tokens_total{provider=\"second\"} 16.0");
        assertThat(metrics).contains("chain429_attempts_count 2");
        assertThat(metrics).contains("chain429_added_latency_seconds_bucket");
        assertThat(metrics).contains("chain429_open_streams 0.0");
        assertThat(metrics).contains("jvm_memory_used_bytes");
    }
}
