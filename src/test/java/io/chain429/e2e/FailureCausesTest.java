package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import io.chain429.ops.ProviderMBeans;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every failed attempt has a cause an operator can read — a reason code and a line in words — in the request log's
 * recent requests, the provider's MBean, {@code /v1/ratelimits} and the metrics; and each kind of failure moves the
 * request on as it should: a timeout at once, a client that leaves without blaming the step.
 */
@ExtendWith(GatewayExtension.class)
class FailureCausesTest {

    @Simulated
    private ProviderSimulator first;
    @Simulated
    private ProviderSimulator second;
    private RunningGateway gateway;

    private void boot(String firstUrl, String firstExtra, String chains) throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                %s
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(firstUrl, firstExtra.indent(4).stripTrailing(), second.baseUrl()), chains, Map.of());
    }

    @Test
    void aRefusedPortIsConnectRefusedEverywhereAnOperatorLooks() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        boot("http://127.0.0.1:" + closedPort + "/v1", "", chains("duo", "first/model-a, second/model-b"));

        assertThat(gateway.chat("duo").statusCode()).isEqualTo(200);

        JsonNode attempt = lastRequest().path("attempts").get(0);
        assertThat(attempt.path("step").asText()).isEqualTo("first/model-a");
        assertThat(attempt.path("outcome").asText()).isEqualTo("failed");
        assertThat(attempt.path("reason").asText()).isEqualTo("connect_refused");
        assertThat(attempt.path("detail").asText()).contains("refused the connection").doesNotContain(String.valueOf(closedPort));
        assertThat(attempt.path("sent").asBoolean()).as("no connection, so no request left").isFalse();
        assertThat(lastRequest().path("attempts").get(1).path("reason").asText()).isEqualTo("ok");
        assertThat(lastRequest().path("attempts").get(1).has("detail")).as("an answer needs no explaining").isFalse();

        JsonNode lastFailure = provider(json(gateway.get("/v1/ratelimits")), "first").path("lastFailure");
        assertThat(lastFailure.path("reason").asText()).isEqualTo("connect_refused");
        assertThat(lastFailure.path("step").asText()).isEqualTo("first/model-a");
        assertThat(lastFailure.path("detail").asText()).contains("refused");
        assertThat(lastFailure.path("at").asText()).isNotBlank();

        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName mbean = ProviderMBeans.providerName("first");
        assertThat(jmx.getAttribute(mbean, "LastErrorReason")).isEqualTo("connect_refused");
        assertThat(jmx.getAttribute(mbean, "LastErrorStep")).isEqualTo("first/model-a");
        assertThat((String) jmx.getAttribute(mbean, "LastError")).startsWith("first/model-a: connect_refused: ");

        assertThat(gateway.getManagement("/metrics").body())
                .contains("chain429_attempt_failures_total{provider=\"first\",reason=\"connect_refused\"} 1.0");
    }

    @Test
    void anUnresolvableHostIsADnsFailureNotARefusal() throws Exception {
        boot("http://no-such-provider.invalid/v1", "timeouts: {firstByte: 20s}", chains("duo", "first/model-a, second/model-b"));

        assertThat(gateway.chat("duo").statusCode()).isEqualTo(200);

        JsonNode attempt = lastRequest().path("attempts").get(0);
        assertThat(attempt.path("reason").asText()).isEqualTo("dns_failed");
        assertThat(attempt.path("detail").asText()).contains("could not be resolved");
        assertThat(attempt.path("sent").asBoolean()).isFalse();
    }

    @Test
    void anHtmlErrorPageIsHttp500AndNothingOfItReachesTheClient() throws Exception {
        first.always(new Reply(500, Map.of("Content-Type", "text/html"),
                "<html><body><h1>Internal Server Error</h1><p>nginx at 10.1.2.3</p></body></html>", Duration.ZERO));
        boot(first.baseUrl(), "", chains("solo", "first/model-a"));

        HttpResponse<String> response = gateway.chat("solo");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(json(response).path("error").path("message").asText())
                .contains("first/model-a: http_500: server error (HTTP 500; the body was an HTML page)")
                .doesNotContain("nginx").doesNotContain("10.1.2.3").doesNotContain(first.baseUrl());
        JsonNode attempt = lastRequest().path("attempts").get(0);
        assertThat(attempt.path("reason").asText()).isEqualTo("http_500");
        assertThat(attempt.path("detail").asText()).isEqualTo("server error (HTTP 500; the body was an HTML page)");
    }

    @Test
    void aStallWhileAStreamIsReadWholeMovesOnAtOnceInsteadOfBeingRetriedOnTheSameStep() throws Exception {
        first.always(Reply.stream(StreamScript.chat("model-a", "one", "two", "three").stallAfter(2)));
        boot(first.baseUrl(), "timeouts: {idle: 300ms, firstToken: 20s, total: 60s}", """
                - templatedRoute:
                    routeTemplateRef: chain
                    parameters:
                      - name: name
                        value: careful
                      - name: steps
                        value: first/model-a, second/model-b
                      - name: commit
                        value: complete
                      - name: retries
                        value: "2"
                """);

        RunningGateway.Streamed streamed = gateway.streamChat("careful");

        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.content()).isEqualTo("hello from second");
        assertThat(first.requestCount()).as("a timeout is not retried on the step that timed out").isEqualTo(1);
        JsonNode attempt = lastRequest().path("attempts").get(0);
        assertThat(attempt.path("reason").asText()).isEqualTo("idle_timeout");
        assertThat(attempt.path("detail").asText()).contains("300ms");
    }

    @Test
    void aClientThatLeavesIsLoggedAs499AndNeverOpensTheCircuitOfAHealthyStep() throws Exception {
        Reply slow = Reply.json(200, first.completion("model-a")).after(Duration.ofSeconds(3));
        for (int i = 0; i < 8; i++) {
            first.then(slow);
        }
        boot(first.baseUrl(), "", chains("solo", "first/model-a"));
        byte[] body = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8);

        for (int i = 0; i < 8; i++) {
            int reached = i + 1;
            // a client that gives up once its request is with the provider, and closes its connection
            try (Socket impatient = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
                impatient.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                impatient.getOutputStream().write(body);
                impatient.getOutputStream().flush();
                await().atMost(Duration.ofSeconds(30)).until(() -> first.requestCount() >= reached);
            }
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(recentRequests()).hasSize(8));

        for (JsonNode request : recentRequests()) {
            assertThat(request.path("status").asInt()).isEqualTo(499);
            assertThat(request.path("servedBy").isNull()).isTrue();
            assertThat(request.path("attempts").get(0).path("reason").asText()).isEqualTo("client_gone");
        }
        assertThat(provider(json(gateway.get("/v1/ratelimits")), "first").path("circuits").get(0).path("state").asText())
                .isEqualTo("closed");
        assertThat(gateway.chat("solo").statusCode()).as("the step still serves").isEqualTo(200);
        String metrics = gateway.getManagement("/metrics").body();
        assertThat(metrics).contains("outcome=\"client_gone\"").doesNotContain("chain429_attempt_failures_total{provider=\"first\"");
    }

    @Test
    void aFlakyProviderThatFailsOneRequestInThreeKeepsItsCircuitClosed() throws Exception {
        Reply ok = Reply.json(200, first.completion("model-a"));
        Reply broken = Reply.json(503, "{\"error\":{\"message\":\"overloaded\"}}");
        for (int i = 0; i < 10; i++) {
            first.then(ok, ok, broken);
        }
        boot(first.baseUrl(), "", chains("duo", "first/model-a, second/model-b"));

        for (int i = 0; i < 30; i++) {
            assertThat(gateway.chat("duo").statusCode()).isEqualTo(200);
        }

        assertThat(first.requestCount()).as("never skipped: 10 failures, but a third of its attempts").isEqualTo(30);
        assertThat(second.requestCount()).as("each failure waterfalled").isEqualTo(10);
        assertThat(provider(json(gateway.get("/v1/ratelimits")), "first").path("circuits").get(0).path("state").asText())
                .isEqualTo("closed");
        assertThat(gateway.getManagement("/metrics").body())
                .contains("chain429_attempt_failures_total{provider=\"first\",reason=\"http_503\"} 10.0");
    }

    @Test
    void openCircuitsAloneNeverRefuseAChainTheEarliestOpenedGetsTheRequestAsItsTrial() throws Exception {
        Reply broken = Reply.json(500, "{\"error\":{\"message\":\"boom\"}}");
        first.then(broken, broken, broken, broken, broken);
        gateway = RunningGateway.start("""
                version: 1
                settings:
                  circuitOpenFor: 10m
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl()), chains("solo", "first/model-a"), Map.of());
        for (int i = 0; i < 5; i++) {
            assertThat(gateway.chat("solo").statusCode()).isEqualTo(503);
        }

        JsonNode circuit = provider(json(gateway.get("/v1/ratelimits")), "first").path("circuits").get(0);
        assertThat(circuit.path("step").asText()).isEqualTo("first/model-a");
        assertThat(circuit.path("state").asText()).isEqualTo("open");
        assertThat(circuit.path("openedBy").path("http_500").asInt()).isEqualTo(5);
        assertThat(circuit.path("until").asText()).isNotBlank();
        assertThat(json(gateway.getManagement("/health")).path("providers").path("circuitOpen").asInt()).isEqualTo(1);
        assertThat(gateway.getManagement("/metrics").body())
                .contains("chain429_circuit_open{provider=\"first\",step=\"first/model-a\"} 1.0");

        HttpResponse<String> trial = gateway.chat("solo");

        assertThat(trial.statusCode()).as("the provider recovered: its trial serves").isEqualTo(200);
        assertThat(first.requestCount()).isEqualTo(6);
        assertThat(provider(json(gateway.get("/v1/ratelimits")), "first").path("circuits").get(0).path("state").asText())
                .as("a success closes it at once").isEqualTo("closed");
        assertThat(lastRequest().path("attempts").findValuesAsText("reason")).containsExactly("circuit_open", "ok");
    }

    private JsonNode lastRequest() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !recentRequests().isEmpty());
        return recentRequests().get(0);
    }

    private List<JsonNode> recentRequests() {
        JsonNode recent = json(gateway.getManagement("/v1/stats")).path("recentRequests");
        return new ArrayList<>(StreamSupport.stream(recent.spliterator(), false).toList());
    }

    static JsonNode provider(JsonNode rateLimits, String id) {
        for (JsonNode provider : rateLimits.path("data")) {
            if (provider.path("id").asText().equals(id)) {
                return provider;
            }
        }
        throw new AssertionError("no provider " + id + " in " + rateLimits);
    }
}
