package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chain429.config.ConfigException;
import io.chain429.e2e.simulator.ProviderSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Only 429chain's own clients get in, each within its limits; browsers only from allowed origins. */
@ExtendWith(GatewayExtension.class)
class AccessTest {

    private static final String CHAT = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Simulated("p")
    private ProviderSimulator provider;
    private RunningGateway gateway;

    private RunningGateway boot(String settings, String clients, Map<String, String> env) throws Exception {
        return RunningGateway.start("""
                version: 1
                %s
                providers:
                  - id: p
                    type: openai-compatible
                    baseUrl: %s
                %s""".formatted(settings, provider.baseUrl(), clients), chains("solo", "p/m"), env);
    }

    @Test
    void withClientKeysEveryV1RouteRequiresOneComparedExactly() throws Exception {
        gateway = boot("", "", Map.of("CHAIN429_API_KEYS", "client-key-one, client-key-two"));

        HttpResponse<String> none = gateway.post("/v1/chat/completions", CHAT);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(json(none).path("error").path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(json(none).path("error").path("type").asText()).isEqualTo("invalid_request_error");

        HttpResponse<String> wrong = gateway.post("/v1/chat/completions", CHAT, "Authorization", "Bearer client-key-on");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain("client-key-on");
        assertThat(gateway.get("/v1/models").statusCode()).isEqualTo(401);
        HttpResponse<String> model = gateway.get("/v1/models/solo");
        assertThat(model.statusCode()).isEqualTo(401);
        assertThat(json(model).path("error").path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(gateway.get("/v1/models/p/m").statusCode()).isEqualTo(401);
        assertThat(gateway.get("/v1/ratelimits").statusCode()).isEqualTo(401);
        assertThat(provider.requestCount()).as("refused before any provider").isZero();

        assertThat(gateway.post("/v1/chat/completions", CHAT, "Authorization", "Bearer client-key-one").statusCode()).isEqualTo(200);
        assertThat(gateway.post("/v1/chat/completions", CHAT, "api-key", "client-key-two").statusCode()).isEqualTo(200);
        assertThat(gateway.get("/v1/models/solo", "Authorization", "Bearer client-key-one").statusCode()).isEqualTo(200);
        assertThat(provider.received()).allSatisfy(upstream -> {
            assertThat(upstream.header("Authorization")).isNull();
            assertThat(upstream.header("api-key")).isNull();
        });
    }

    @Test
    void aClientOverItsLimitsGets429WithRetryAfterBeforeAnyProviderIsTouched() throws Exception {
        gateway = boot("""
                settings:
                  clientLimits: {rpm: 2}
                """, """
                clients:
                  - id: batch
                    key: ${env:BATCH_KEY}
                    limits: {tpd: 50}
                  - id: webapp
                    key: ${env:WEBAPP_KEY}
                """, Map.of("BATCH_KEY", "batch-secret-1", "WEBAPP_KEY", "webapp-secret-2"));

        assertThat(chatAs("webapp-secret-2").statusCode()).isEqualTo(200);
        assertThat(chatAs("webapp-secret-2").statusCode()).isEqualTo(200);
        HttpResponse<String> third = chatAs("webapp-secret-2");
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After").map(Long::parseLong)).hasValueSatisfying(s -> assertThat(s).isBetween(1L, 60L));
        assertThat(json(third).path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(provider.requestCount()).isEqualTo(2);

        HttpResponse<String> big = gateway.post("/v1/chat/completions",
                "{\"model\":\"solo\",\"max_tokens\":500,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "Authorization", "Bearer batch-secret-1");
        assertThat(big.statusCode()).as("tokens per day").isEqualTo(429);
        assertThat(chatAs("batch-secret-1").statusCode()).as("limits are per client").isEqualTo(200);
    }

    @Test
    void withoutClientKeys429chainRefusesToServeBeyondLoopback() {
        assertThatThrownBy(() -> boot("", "", Map.of("CHAIN429_HOST", "0.0.0.0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("refusing to serve on 0.0.0.0 without client keys")
                .hasMessageContaining("CHAIN429_API_KEYS");
    }

    @Test
    void withClientKeysItServesBeyondLoopback() throws Exception {
        gateway = boot("", "", Map.of("CHAIN429_HOST", "0.0.0.0", "CHAIN429_API_KEYS", "k-1"));
        assertThat(gateway.post("/v1/chat/completions", CHAT, "Authorization", "Bearer k-1").statusCode()).isEqualTo(200);
    }

    @Test
    void corsPreflightIsAnsweredForAllowedOriginsOnly() throws Exception {
        gateway = boot("""
                settings:
                  corsOrigins: [https://app.example]
                """, "", Map.of());
        HttpClient http = HttpClient.newHttpClient();

        HttpResponse<String> allowed = http.send(preflight(gateway.uri("/v1/chat/completions"), "https://app.example"), HttpResponse.BodyHandlers.ofString());
        assertThat(allowed.statusCode()).isEqualTo(204);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase()).contains("authorization");
        assertThat(gateway.get("/v1/models").statusCode()).isEqualTo(200);

        HttpResponse<String> other = http.send(preflight(gateway.uri("/v1/chat/completions"), "https://evil.example"), HttpResponse.BodyHandlers.ofString());
        assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void withoutConfiguredOriginsNoCorsHeadersAreSent() throws Exception {
        gateway = boot("", "", Map.of());
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                preflight(gateway.uri("/v1/chat/completions"), "https://app.example"), HttpResponse.BodyHandlers.ofString());
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    private HttpResponse<String> chatAs(String key) {
        return gateway.post("/v1/chat/completions", CHAT, "Authorization", "Bearer " + key);
    }

    private static HttpRequest preflight(URI uri, String origin) {
        return HttpRequest.newBuilder(uri)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .build();
    }
}
