package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.models.models.Model;
import io.chain429.e2e.simulator.ProviderSimulator;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /v1/models/{model}}, which several clients call before they use a model: every chain and every
 * {@code provider/model} step that {@code GET /v1/models} lists, as OpenAI's model object; anything else is OpenAI's
 * 404 {@code model_not_found}.
 */
@ExtendWith(GatewayExtension.class)
class ModelsTest {

    private static final String FREE_STEP = "local/meta-llama/llama-3.3-70b-instruct:free";

    @Simulated
    private static ProviderSimulator local;
    private static RunningGateway gateway;

    @BeforeAll
    static void boot() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: local
                    type: openai-compatible
                    baseUrl: %s
                  - id: groq
                    type: groq
                    apiKey: ${env:UNSET_GROQ_KEY}
                  - id: demo
                    type: demo
                """.formatted(local.baseUrl()),
                chains("duo", FREE_STEP + ", demo/echo", "fast", "groq/llama-3.1-8b-instant, demo/echo"), Map.of());
    }

    @Test
    void aChainIsAModelOwnedBy429chain() {
        HttpResponse<String> response = gateway.get("/v1/models/duo");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode model = json(response);
        assertThat(fieldNames(model)).containsExactly("id", "object", "created", "owned_by");
        assertThat(model.path("id").asText()).isEqualTo("duo");
        assertThat(model.path("object").asText()).isEqualTo("model");
        assertThat(model.path("created").isIntegralNumber()).isTrue();
        assertThat(model.path("owned_by").asText()).isEqualTo("429chain");
    }

    @Test
    void aStepIsAModelOwnedByItsProviderWithItsSlashesWrittenOrEncoded() {
        for (String path : List.of("/v1/models/" + FREE_STEP, "/v1/models/local%2Fmeta-llama%2Fllama-3.3-70b-instruct%3Afree")) {
            HttpResponse<String> response = gateway.get(path);

            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(json(response).path("id").asText()).as(path).isEqualTo(FREE_STEP);
            assertThat(json(response).path("owned_by").asText()).as(path).isEqualTo("local");
        }
    }

    @Test
    void everyListedModelCanBeRetrievedAsListed() {
        for (JsonNode listed : json(gateway.get("/v1/models")).path("data")) {
            HttpResponse<String> retrieved = gateway.get("/v1/models/" + listed.path("id").asText());

            assertThat(retrieved.statusCode()).as(listed.toString()).isEqualTo(200);
            assertThat(json(retrieved)).isEqualTo(listed);
        }
    }

    @Test
    void anUnknownModelOrAStepOfADisabledProviderIsOpenAisModelNotFound() {
        for (String id : List.of("gpt-4o", "local/unlisted-model", "groq/llama-3.1-8b-instant")) {
            HttpResponse<String> response = gateway.get("/v1/models/" + id);

            assertThat(response.statusCode()).as("'%s'", id).isEqualTo(404);
            JsonNode error = json(response).path("error");
            assertThat(error.path("code").asText()).isEqualTo("model_not_found");
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.path("param").asText()).isEqualTo("model");
            assertThat(error.path("message").asText()).contains("The model '" + id + "' does not exist");
        }
    }

    @Test
    void theOfficialOpenAiJavaSdkRetrievesChainsAndSteps() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey("client-key").maxRetries(0).build();

        Model chain = client.models().retrieve("duo");
        assertThat(chain.id()).isEqualTo("duo");
        assertThat(chain.ownedBy()).isEqualTo("429chain");
        Model step = client.models().retrieve(FREE_STEP);
        assertThat(step.id()).isEqualTo(FREE_STEP);
        assertThat(step.ownedBy()).isEqualTo("local");
        assertThatThrownBy(() -> client.models().retrieve("gpt-4o")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void itTakesOnlyGet() {
        HttpResponse<String> post = gateway.post("/v1/models/duo", "{}");

        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(json(post).path("error").path("code").asText()).isEqualTo("method_not_allowed");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
