package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import io.chain429.e2e.ProviderSimulator.Reply;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The clients people actually point at 429chain, through a two-step chain whose first step answers 429. */
class OfficialClientsTest {

    private static ProviderSimulator limited;
    private static ProviderSimulator healthy;
    private static RunningGateway gateway;

    @BeforeAll
    static void boot() throws Exception {
        limited = new ProviderSimulator("limited");
        healthy = new ProviderSimulator("healthy");
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: limited
                    type: openai-compatible
                    baseUrl: %s
                  - id: healthy
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(limited.baseUrl(), healthy.baseUrl()),
                chains("duo", "limited/small-model, healthy/big-model", "lonely", "limited/other-model"), Map.of());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        limited.close();
        healthy.close();
    }

    @BeforeEach
    void firstStepIsRateLimitedOnce() {
        // a short reset, so each test sees the first step answer 429 afresh
        limited.then(Reply.json(429, "{\"error\":{\"message\":\"slow down\"}}").withHeader("retry-after-ms", "1"));
    }

    @Test
    void openAiJavaSdkGetsTheSecondStepsCompletion() throws Exception {
        Thread.sleep(5);
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey("client-key").maxRetries(0).build();

        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("duo")
                .addUserMessage("hello")
                .build());

        assertThat(completion.model()).isEqualTo("big-model");
        assertThat(completion.choices().get(0).message().content()).hasValue("hello from healthy");
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(8);
    }

    @Test
    void openAiJavaSdkRaisesItsRateLimitErrorWhenTheChainIsExhausted() {
        limited.reset().then(Reply.json(429, "{}").withHeader("Retry-After", "60"));
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey("client-key").maxRetries(0).build();

        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("lonely")
                .addUserMessage("hello")
                .build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.code()).hasValue("rate_limit_exceeded");
                    assertThat(e.type()).hasValue("rate_limit_error");
                    assertThat(e.headers().values("Retry-After")).containsExactly("60");
                });
    }

    @Test
    void langChain4jGetsTheSecondStepsCompletion() throws Exception {
        Thread.sleep(5);
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(gateway.baseUrl())
                .apiKey("client-key")
                .modelName("duo")
                .maxRetries(0)
                .build();

        ChatResponse response = model.chat(UserMessage.from("hello"));

        assertThat(response.aiMessage().text()).isEqualTo("hello from healthy");
        assertThat(response.metadata().modelName()).isEqualTo("big-model");
        assertThat(response.metadata().tokenUsage().totalTokenCount()).isEqualTo(8);
    }
}
