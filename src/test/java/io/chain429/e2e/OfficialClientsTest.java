package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The clients people actually point at 429chain, through a two-step chain whose first step answers 429. */
@ExtendWith(GatewayExtension.class)
class OfficialClientsTest {

    @Simulated
    private static ProviderSimulator limited;
    @Simulated
    private static ProviderSimulator healthy;
    private static RunningGateway gateway;

    @BeforeAll
    static void boot() throws Exception {
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

    @BeforeEach
    void firstStepIsRateLimitedOnce() {
        // a short reset, so each test sees the first step answer 429 afresh
        limited.then(Reply.json(429, "{\"error\":{\"message\":\"slow down\"}}").withHeader("retry-after-ms", "1"));
    }

    @Test
    void openAiJavaSdkGetsTheSecondStepsCompletion() throws Exception {
        gateway.awaitNotCooling("limited", "small-model");
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
    void openAiJavaSdkStreamsTokensAsTheyArrive() throws Exception {
        gateway.awaitNotCooling("limited", "small-model");
        healthy.reset().then(Reply.stream(StreamScript.chat("big-model", "warm")), Reply.stream(StreamScript.chat("big-model", "t0 ", "t1 ", "t2 ", "t3 ", "t4 ", "t5 ", "t6 ", "t7 ", "t8 ", "t9")
                .interval(Duration.ofMillis(100))));
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey("client-key").maxRetries(0).build();
        // the SDK's first stream loads many classes: not latency 429chain adds
        try (StreamResponse<ChatCompletionChunk> warm = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("healthy/big-model").addUserMessage("warm up").build())) {
            warm.stream().forEach(chunk -> { });
        }

        long start = System.nanoTime();
        List<Long> arrivals = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("duo").addUserMessage("hello").build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().filter(c -> !c.isEmpty()).ifPresent(c -> {
                arrivals.add((System.nanoTime() - start) / 1_000_000);
                text.append(c);
            })));
        }

        assertThat(text.toString()).isEqualTo("t0 t1 t2 t3 t4 t5 t6 t7 t8 t9");
        assertThat(arrivals.get(arrivals.size() - 1) - arrivals.get(0)).as("tokens spread out in time").isGreaterThanOrEqualTo(700);
    }

    @Test
    void openAiJavaSdkRaisesAnErrorForAStreamCutAfterItsFirstTokens() throws Exception {
        gateway.awaitNotCooling("limited", "small-model");
        healthy.then(Reply.stream(StreamScript.chat("big-model", "half ", "an ", "answer ", "and ", "then").cutAfter(3)));
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey("client-key").maxRetries(0).build();
        StringBuilder text = new StringBuilder();

        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model("duo").addUserMessage("hello").build())) {
                stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
            }
        }).isInstanceOf(OpenAIException.class).hasMessageContaining("incomplete");
        assertThat(text.toString()).isEqualTo("half an ");
    }

    @Test
    void langChain4jStreamsTokensAndReportsACutStreamAsAnError() throws Exception {
        gateway.awaitNotCooling("limited", "small-model");
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder()
                .baseUrl(gateway.baseUrl()).apiKey("client-key").modelName("duo").build();
        healthy.reset().then(Reply.stream(StreamScript.chat("big-model", "warm")), // warms the client up, untimed
                Reply.stream(StreamScript.chat("big-model", "s0 ", "s1 ", "s2 ", "s3 ", "s4 ", "s5 ", "s6 ", "s7 ", "s8 ", "s9").interval(Duration.ofMillis(100))),
                Reply.stream(StreamScript.chat("big-model", "cut ", "here ", "never").cutAfter(3)));
        stream(model);
        limited.then(Reply.json(429, "{}").withHeader("retry-after-ms", "1"));
        gateway.awaitNotCooling("limited", "small-model");

        Collected good = stream(model);
        assertThat(good.error).isNull();
        assertThat(good.text.toString()).isEqualTo("s0 s1 s2 s3 s4 s5 s6 s7 s8 s9");
        assertThat(good.arrivals.get(good.arrivals.size() - 1) - good.arrivals.get(0)).isGreaterThanOrEqualTo(700);

        limited.then(Reply.json(429, "{}").withHeader("retry-after-ms", "1"));
        gateway.awaitNotCooling("limited", "small-model");
        Collected cut = stream(model);
        assertThat(cut.error).as("a cut stream is an error, not a short answer").isNotNull();
        assertThat(cut.text.toString()).isEqualTo("cut here ");
    }

    /** What a LangChain4j streaming handler saw. */
    private static final class Collected {
        final StringBuilder text = new StringBuilder();
        final List<Long> arrivals = new ArrayList<>();
        volatile Throwable error;
    }

    private static Collected stream(OpenAiStreamingChatModel model) throws Exception {
        Collected collected = new Collected();
        CompletableFuture<Void> done = new CompletableFuture<>();
        long start = System.nanoTime();
        model.chat("hello", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                collected.arrivals.add((System.nanoTime() - start) / 1_000_000);
                collected.text.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(null);
            }

            @Override
            public void onError(Throwable error) {
                collected.error = error;
                done.complete(null);
            }
        });
        done.get(20, TimeUnit.SECONDS);
        return collected;
    }

    @Test
    void langChain4jGetsTheSecondStepsCompletion() throws Exception {
        gateway.awaitNotCooling("limited", "small-model");
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
