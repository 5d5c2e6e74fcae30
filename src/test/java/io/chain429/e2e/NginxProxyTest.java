package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.e2e.RunningGateway.Streamed;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The shipped nginx site ({@code docker/nginx.conf}) in front of 429chain, as an operator would deploy it. */
@ExtendWith(GatewayExtension.class)
class NginxProxyTest {

    private static final Duration SPACING = Duration.ofMillis(200);
    private static final String[] TOKENS = {"one ", "two ", "three ", "four ", "five ", "six"};

    @Simulated("sim")
    private ProviderSimulator provider;
    private RunningGateway gateway;
    @TempDir
    Path folders;
    private NginxInFront nginx;

    @BeforeEach
    void boot() throws Exception {
        gateway = GatewayFolders.start(folders, """
                version: 1
                providers:
                  - id: sim
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(provider.baseUrl()), GatewayFolders.BODY_LIMIT_PROPERTIES, chains("solo", "sim/model-a"), Map.of());
        nginx = NginxInFront.start(gateway.uri("/").getPort());
    }

    @AfterEach
    void stop() throws Exception {
        nginx.close();
    }

    @Test
    void aStreamThroughNginxArrivesEventByEventSpacedLikeTheUpstream() {
        String request = "{\"model\":\"solo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}";
        // The first stream after start-up is slow in the JVM (class loading, JIT) and would bunch events on its own.
        provider.then(Reply.stream(StreamScript.chat("model-a", "warm", "up").interval(SPACING)));
        assertThat(gateway.stream(nginx.uri("/v1/chat/completions"), request).status()).isEqualTo(200);
        provider.then(Reply.stream(StreamScript.chat("model-a", TOKENS).interval(SPACING)));

        Streamed streamed = gateway.stream(nginx.uri("/v1/chat/completions"), request);

        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.header("Server")).as("served through nginx").startsWith("nginx");
        assertThat(streamed.header("Content-Type")).isEqualTo("text/event-stream");
        assertThat(streamed.header("X-429chain-Provider")).isEqualTo("sim/model-a");
        assertThat(streamed.content()).isEqualTo(String.join("", TOKENS));
        assertThat(streamed.endsWithDone()).isTrue();
        List<Long> arrivals = streamed.events().stream()
                .filter(e -> !e.data().equals("[DONE]") && !e.json().path("choices").path(0).path("delta").path("content").asText("").isEmpty())
                .map(Streamed.Event::millis).toList();
        assertThat(arrivals).hasSize(TOKENS.length);
        // A buffering proxy hands the events over together (gaps near 0). Generous bounds for a loaded machine.
        long upstreamSpan = SPACING.toMillis() * (TOKENS.length - 1);
        assertThat(arrivals.get(arrivals.size() - 1) - arrivals.get(0)).as("span of %s", arrivals)
                .isGreaterThanOrEqualTo(upstreamSpan * 6 / 10);
        for (int i = 1; i < arrivals.size(); i++) {
            assertThat(arrivals.get(i) - arrivals.get(i - 1)).as("gap before event %d of %s", i, arrivals)
                    .isGreaterThanOrEqualTo(SPACING.toMillis() / 4);
        }
    }

    @Test
    void aCompletionPassesThroughWith429chainsHeaders() {
        HttpResponse<String> answered = post(nginx, "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.headers().firstValue("X-429chain-Provider")).hasValue("sim/model-a");
        assertThat(json(answered).path("choices").path(0).path("message").path("content").asText()).isNotEmpty();
    }

    @Test
    void anOversizedBodyGets429chainsOwnOpenAiErrorNotNginxsPage() {
        String big = "x".repeat(1_200_000);

        HttpResponse<String> refused = post(nginx, "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");

        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(json(refused).path("error").path("code").asText()).isEqualTo("request_too_large");
        assertThat(provider.requestCount()).isZero();
    }

    @Test
    void while429chainIsDownClientsGetAnOpenAiShapedErrorToRetry() throws Exception {
        try (NginxInFront inFrontOfNothing = NginxInFront.start(NginxInFront.freePort())) {
            HttpResponse<String> answered = post(inFrontOfNothing, "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            assertThat(answered.statusCode()).isEqualTo(503);
            assertThat(answered.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(answered.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
            assertThat(json(answered).path("error").path("code").asText()).isEqualTo("upstream_unavailable");
            assertThat(json(answered).path("error").path("type").asText()).isEqualTo("server_error");
        }
    }

    private static HttpResponse<String> post(NginxInFront nginx, String body) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(nginx.uri("/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
