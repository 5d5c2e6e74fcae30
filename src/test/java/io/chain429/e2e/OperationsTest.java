package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.firstAndSecond;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What operators see on the management port after real traffic. */
@ExtendWith(GatewayExtension.class)
class OperationsTest {

    @Simulated
    private ProviderSimulator first;
    @Simulated
    private ProviderSimulator second;
    private RunningGateway gateway;

    @BeforeEach
    void boot() throws Exception {
        gateway = RunningGateway.start(firstAndSecond(first.baseUrl(), second.baseUrl(), """
                  - id: nokey
                    type: groq
                    apiKey: ${env:UNSET_FOR_OPERATIONS_TEST}
                """), chains("duo", "first/model-a, second/model-b"), Map.of());
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
