package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A newcomer's first run: the shipped config/ and routes/, no API keys, no internet. */
class ShippedConfigTest {

    private static RunningGateway gateway;

    @BeforeAll
    static void boot() throws Exception {
        gateway = RunningGateway.start(Path.of("config"), Path.of("routes"), Map.of());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void theDefaultChainAnswersWithTheLabelledDemoEchoAfterSkippingProvidersWithoutKeys() {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                "{\"model\":\"default\",\"messages\":[{\"role\":\"user\",\"content\":\"Is this thing on?\"}]}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("model").asText()).isEqualTo("echo");
        assertThat(body.path("choices").get(0).path("message").path("content").asText())
                .contains("demo")
                .contains("Is this thing on?");
        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("demo/echo");
        assertThat(response.headers().firstValue("X-429chain-Attempts")).as("keyless providers are skipped, not called").hasValue("1");
    }

    @Test
    void theDemoStreamsItsAnswerTokenByToken() {
        RunningGateway.Streamed streamed = gateway.stream(
                "{\"model\":\"default\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"stream me please\"}]}");

        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.header("Content-Type")).isEqualTo("text/event-stream");
        assertThat(streamed.content()).contains("demo").endsWith("You said: stream me please");
        long contentEvents = streamed.events().stream().filter(e -> !e.data().equals("[DONE]"))
                .filter(e -> !e.json().path("choices").path(0).path("delta").path("content").asText("").isEmpty()).count();
        assertThat(contentEvents).as("one event per word").isGreaterThan(10);
        assertThat(streamed.lastContentMillis() - streamed.firstContentMillis()).as("spread out in time").isGreaterThan(200);
        assertThat(streamed.endsWithDone()).isTrue();
    }

    @Test
    void aModelThatNamesNoChainFallsBackToTheDefaultChain() {
        HttpResponse<String> response = gateway.chat("gpt-4o-mini");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("demo/echo");
    }

    @Test
    void modelsListsTheShippedChainsAndOnlyTheDemoStep() {
        JsonNode models = json(gateway.get("/v1/models"));

        assertThat(models.path("data").findValuesAsText("id")).containsExactly("default", "smart", "demo/echo");
    }

    @Test
    void badInputGetsAnOpenAiShapedError() {
        HttpResponse<String> notJson = gateway.post("/v1/chat/completions", "this is not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(notJson).path("error").path("code").asText()).isEqualTo("invalid_json");

        HttpResponse<String> noMessages = gateway.post("/v1/chat/completions", "{\"model\":\"default\",\"messages\":[]}");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(json(noMessages).path("error").path("param").asText()).isEqualTo("messages");

        HttpResponse<String> badRole = gateway.post("/v1/chat/completions",
                "{\"model\":\"default\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}");
        assertThat(badRole.statusCode()).isEqualTo(400);
        assertThat(json(badRole).path("error").path("param").asText()).isEqualTo("messages[0].role");
    }
}
