package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Received;
import io.chain429.e2e.simulator.Reply;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The waterfall rules, driven over HTTP against the running service with real simulated providers. */
@ExtendWith(GatewayExtension.class)
class WaterfallTest {

    @Simulated
    private ProviderSimulator first;
    @Simulated
    private ProviderSimulator second;
    private RunningGateway gateway;

    private void boot() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                settings:
                  cooldownDefault: 45s
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:FIRST_KEY}
                    quotaScope: model
                    timeouts: {firstByte: 700ms, total: 2s}
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:SECOND_KEY}
                """.formatted(first.baseUrl(), second.baseUrl()),
                chains("duo", "first/model-a, second/model-b"),
                Map.of("FIRST_KEY", "sk-first-provider-key-1111", "SECOND_KEY", "sk-second-provider-key-2222"));
    }

    @Test
    void successOnTheFirstStepIsReturnedInOpenAiShapeWithTheServingModel() throws Exception {
        boot();
        HttpResponse<String> response = gateway.chat("duo");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("model").asText()).isEqualTo("model-a");
        assertThat(body.path("choices").get(0).path("message").path("content").asText()).isEqualTo("hello from first");
        assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(8);
        assertThat(body.has("x_provider_extra")).isFalse();
        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("first/model-a");
        assertThat(response.headers().firstValue("X-429chain-Attempts")).hasValue("1");
        assertThat(Double.parseDouble(response.headers().firstValue("X-429chain-Overhead-Ms").orElseThrow())).isNotNegative();
        assertThat(second.requestCount()).isZero();
    }

    @Test
    void aKeepAliveConnectionTheProviderClosedIsNotAFailureTheRequestIsSentAgainOnAnotherConnection() throws Exception {
        boot();
        assertThat(gateway.chat("duo").statusCode()).isEqualTo(200); // leaves a keep-alive connection in the pool
        first.then(Reply.dropped());

        HttpResponse<String> response = gateway.chat("duo");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("first/model-a");
        assertThat(response.headers().firstValue("X-429chain-Attempts")).hasValue("1");
        assertThat(first.requestCount()).as("the dropped request was sent once more").isEqualTo(3);
        assertThat(first.connectionsAccepted()).as("the second request reused the first's connection").isEqualTo(2);
        assertThat(second.requestCount()).isZero();
    }

    @Test
    void aRequestDroppedOnAFreshConnectionIsNotSentAgain() throws Exception {
        boot();
        first.then(Reply.dropped());

        HttpResponse<String> response = gateway.chat("duo");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(first.requestCount()).as("the provider may have acted on it: not resent").isEqualTo(1);
    }

    @Test
    void a429MovesToTheNextStepAndCoolsTheStepDownSoTheNextRequestSkipsIt() throws Exception {
        boot();
        first.then(Reply.json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"tokens\"}}").withHeader("Retry-After", "30"));

        HttpResponse<String> response = gateway.chat("duo");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).path("model").asText()).isEqualTo("model-b");
        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(response.headers().firstValue("X-429chain-Attempts")).hasValue("2");

        HttpResponse<String> again = gateway.chat("duo");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(again.headers().firstValue("X-429chain-Attempts")).hasValue("1");
        assertThat(first.requestCount()).as("a cooling step is skipped without a request").isEqualTo(1);
        assertThat(second.requestCount()).isEqualTo(2);
    }

    @Test
    void aCooldownIsKeyedByModelWhenTheQuotaScopeIsModel() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    quotaScope: model
                """.formatted(first.baseUrl()),
                chains("a", "first/model-a", "b", "first/model-b"), Map.of());
        first.then(Reply.json(429, "{}").withHeader("Retry-After", "30"));

        assertThat(gateway.chat("a").statusCode()).isEqualTo(429);
        assertThat(gateway.chat("b").statusCode()).as("another model of the same provider is not cooled").isEqualTo(200);
    }

    @Test
    void aCooldownCoversTheWholeProviderWhenTheQuotaScopeIsProvider() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    quotaScope: provider
                """.formatted(first.baseUrl()),
                chains("a", "first/model-a", "b", "first/model-b"), Map.of());
        first.then(Reply.json(429, "{}").withHeader("Retry-After", "30"));

        assertThat(gateway.chat("a").statusCode()).isEqualTo(429);
        assertThat(gateway.chat("b").statusCode()).isEqualTo(429);
        assertThat(first.requestCount()).isEqualTo(1);
    }

    @Test
    void a402CoolsTheProviderDownAndMovesOn() throws Exception {
        boot();
        first.then(Reply.json(402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits\"}}"));

        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(first.requestCount()).isEqualTo(1);
    }

    @Test
    void a401DisablesTheProviderSoItIsNotRetriedOnEveryRequest() throws Exception {
        boot();
        first.always(Reply.json(401, "{\"error\":{\"message\":\"Invalid API Key\",\"code\":\"invalid_api_key\"}}"));

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = gateway.chat("duo");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        }
        assertThat(first.requestCount()).isEqualTo(1);
        assertThat(json(gateway.get("/v1/models")).toString()).doesNotContain("first/model-a").contains("second/model-b");
    }

    @Test
    void serverErrorsHtmlPagesAndErrorsInside200sMoveOnWithoutLeakingTheUpstreamBody() throws Exception {
        boot();
        first.then(
                new Reply(500, Map.of("Content-Type", "text/html"), "<html><body>Bad Gateway at upstream-secret-host</body></html>", Duration.ZERO),
                Reply.json(200, "{\"error\":{\"message\":\"model overloaded\"}}"),
                Reply.json(500, "{\"error\":\"a bare string error\"}"),
                Reply.json(503, "upstream connect error"));

        for (int i = 0; i < 4; i++) {
            HttpResponse<String> response = gateway.chat("duo");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        }
        assertThat(first.requestCount()).as("failures do not cool a step down").isEqualTo(4);
    }

    @Test
    void aProviderThatRefusesConnectionsOrIsTooSlowIsPassedOver() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: gone
                    type: openai-compatible
                    baseUrl: http://127.0.0.1:%d/v1
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    timeouts: {firstByte: 500ms, total: 2s}
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(closedPort, first.baseUrl(), second.baseUrl()),
                chains("trio", "gone/x, first/model-a, second/model-b"), Map.of());
        first.then(Reply.json(200, first.completion("model-a")).after(Duration.ofSeconds(3)));

        HttpResponse<String> response = gateway.chat("trio");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(response.headers().firstValue("X-429chain-Attempts")).as("requests sent: the refused connection carried none")
                .hasValue("2");
    }

    @Test
    void aClientErrorIsReturnedNormalizedWithoutTryingOtherSteps() throws Exception {
        boot();
        first.then(Reply.json(400, """
                {"error":{"message":"'temperature' must be at most 2","type":"invalid_request_error","param":"temperature","code":null,
                "internal":"https://internal.example/trace"}}"""));

        HttpResponse<String> response = gateway.chat("duo");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = json(response).path("error");
        assertThat(error.path("message").asText()).isEqualTo("'temperature' must be at most 2");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asText()).isEqualTo("temperature");
        assertThat(response.body()).doesNotContain("internal.example");
        assertThat(second.requestCount()).isZero();
    }

    @Test
    void aContextLengthErrorMovesToTheNextStep() throws Exception {
        boot();
        first.then(Reply.json(400, """
                {"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}}"""));

        HttpResponse<String> response = gateway.chat("duo");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
    }

    @Test
    void whenEveryStepIsCoolingTheAnswerIs429WithTheEarliestReset() throws Exception {
        boot();
        first.then(Reply.json(429, "{}").withHeader("Retry-After", "120"));
        second.then(Reply.json(429, "{}").withHeader("retry-after-ms", "20500"));

        long sent = System.nanoTime();
        HttpResponse<String> response = gateway.chat("duo");

        assertThat(response.statusCode()).isEqualTo(429);
        long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
        // the 20.5 s reset rounded up, less whatever the request took (not the 120 s one)
        assertThat(retryAfter).isBetween(21L - secondsSince(sent), 21L);
        JsonNode error = json(response).path("error");
        assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.path("type").asText()).isEqualTo("rate_limit_error");

        HttpResponse<String> again = gateway.chat("duo");
        assertThat(again.statusCode()).isEqualTo(429);
        assertThat(again.headers().firstValue("X-429chain-Attempts")).hasValue("0");
        assertThat(first.requestCount() + second.requestCount()).isEqualTo(2);
    }

    @Test
    void a429WithoutAnyHintUsesTheDefaultCooldown() throws Exception {
        boot();
        first.then(Reply.json(429, "{}"));
        second.then(Reply.json(429, "{}"));

        long sent = System.nanoTime();
        HttpResponse<String> response = gateway.chat("duo");

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow())).isBetween(45L - secondsSince(sent), 45L);
    }

    /**
     * Whole seconds since then, rounded up: a cooldown that began during the request has at least its length less this
     * left when the answer is written, however slow the machine.
     */
    private static long secondsSince(long nanos) {
        return (System.nanoTime() - nanos + 999_999_999) / 1_000_000_000;
    }

    @Test
    void whenEveryStepFailsTheAnswerIs503WithoutUpstreamDetails() throws Exception {
        boot();
        first.then(Reply.json(500, "{\"error\":{\"message\":\"boom at http://10.0.0.7:8000\"}}"));
        second.then(Reply.json(502, "<html>bad gateway</html>"));

        HttpResponse<String> response = gateway.chat("duo");

        assertThat(response.statusCode()).isEqualTo(503);
        JsonNode error = json(response).path("error");
        assertThat(error.path("code").asText()).isEqualTo("all_providers_failed");
        assertThat(error.path("type").asText()).isEqualTo("server_error");
        assertThat(error.path("message").asText()).contains("first/model-a", "second/model-b", "HTTP 500");
        assertThat(response.body()).doesNotContain("10.0.0.7", "127.0.0.1", "<html>", "sk-");
        assertThat(response.headers().firstValue("Retry-After")).isEmpty();
    }

    @Test
    void providerKeysGoUpstreamAsBearerTokensAndTheClientsOwnHeadersNeverDo() throws Exception {
        boot();
        first.then(Reply.json(429, "{}").withHeader("Retry-After", "5"));

        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                "{\"model\":\"duo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"custom_field\":42}",
                "Authorization", "Bearer client-secret-token", "X-Client-Thing", "private");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(first.received().get(0).header("Authorization")).isEqualTo("Bearer sk-first-provider-key-1111");
        Received upstream = second.received().get(0);
        assertThat(upstream.header("Authorization")).isEqualTo("Bearer sk-second-provider-key-2222");
        assertThat(upstream.header("X-Client-Thing")).isNull();
        assertThat(upstream.path()).isEqualTo("/v1/chat/completions");
        assertThat(upstream.body().path("model").asText()).isEqualTo("model-b");
        assertThat(upstream.body().path("custom_field").asInt()).as("unknown fields pass through").isEqualTo(42);
        assertThat(response.headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("Authorization") || h.equalsIgnoreCase("X-Client-Thing"));
    }

    @Test
    void aSingleProviderModelStepCanBeAskedForDirectly() throws Exception {
        boot();
        HttpResponse<String> response = gateway.chat("second/org/model-z:free");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(second.received().get(0).body().path("model").asText()).isEqualTo("org/model-z:free");
        assertThat(first.requestCount()).isZero();
    }

    @Test
    void anUnknownModelWithoutADefaultChainIs404ModelNotFound() throws Exception {
        boot();
        HttpResponse<String> response = gateway.chat("gpt-17");

        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode error = json(response).path("error");
        assertThat(error.path("code").asText()).isEqualTo("model_not_found");
        assertThat(error.path("param").asText()).isEqualTo("model");
        assertThat(error.path("message").asText()).contains("duo");
    }

    @Test
    void modelsListsChainsThenEnabledSteps() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                  - id: nokey
                    type: groq
                    apiKey: ${env:UNSET_VARIABLE_FOR_TEST}
                """.formatted(first.baseUrl()),
                chains("one", "nokey/llama, first/model-a", "two", "first/model-c"), Map.of());

        JsonNode models = json(gateway.get("/v1/models"));

        assertThat(models.path("object").asText()).isEqualTo("list");
        assertThat(models.path("data").findValuesAsText("id")).containsExactly("one", "two", "first/model-a", "first/model-c");
        assertThat(models.path("data").get(0).path("owned_by").asText()).isEqualTo("429chain");
        assertThat(models.path("data").get(2).path("owned_by").asText()).isEqualTo("first");
        assertThat(models.path("data").get(0).path("object").asText()).isEqualTo("model");
    }

    @Test
    void eachChainIsARouteNamedAfterIt() throws Exception {
        boot();
        assertThat(gateway.camelContext().getRoute("chain-duo")).isNotNull();
    }
}
