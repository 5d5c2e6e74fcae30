package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import io.chain429.e2e.RunningGateway.Streamed;
import io.chain429.e2e.RunningGateway.Streamed.Event;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The offline demo provider answers as OpenAI does to what clients commonly ask: {@code n} choices, and a usage chunk
 * at the end of a stream for {@code stream_options.include_usage}, so that client code tried against the demo behaves
 * as it will against a real provider.
 */
class DemoProviderTest {

    private static final String ECHO = "[429chain demo provider: no real model answered] You said: three of them";

    private static RunningGateway gateway;

    @BeforeAll
    static void boot() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: demo
                    type: demo
                """, chains("demo", "demo/echo"), Map.of());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void nChoicesWithoutStreaming() {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", """
                {"model":"demo","n":3,"messages":[{"role":"user","content":"three of them"}]}""");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode choices = json(response).path("choices");
        assertThat(choices).hasSize(3);
        for (int index = 0; index < 3; index++) {
            assertThat(choices.get(index).path("index").asInt()).isEqualTo(index);
            assertThat(choices.get(index).path("message").path("content").asText()).isEqualTo(ECHO);
            assertThat(choices.get(index).path("finish_reason").asText()).isEqualTo("stop");
        }
    }

    @Test
    void nChoicesStreamedEachToItsEnd() {
        Streamed streamed = gateway.stream("""
                {"model":"demo","n":3,"stream":true,"messages":[{"role":"user","content":"three of them"}]}""");

        assertThat(streamed.status()).isEqualTo(200);
        TreeMap<Integer, StringBuilder> texts = new TreeMap<>();
        TreeMap<Integer, String> finishes = new TreeMap<>();
        for (Event event : chunks(streamed)) {
            JsonNode choice = event.json().path("choices").path(0);
            assertThat(event.json().path("choices")).as("one choice per chunk, as OpenAI streams them").hasSize(1);
            int index = choice.path("index").asInt();
            texts.computeIfAbsent(index, i -> new StringBuilder()).append(choice.path("delta").path("content").asText(""));
            if (!choice.path("finish_reason").isNull()) {
                finishes.put(index, choice.path("finish_reason").asText());
            }
        }
        assertThat(texts.keySet()).containsExactly(0, 1, 2);
        assertThat(texts.values()).allSatisfy(text -> assertThat(text.toString()).isEqualTo(ECHO));
        assertThat(finishes).isEqualTo(Map.of(0, "stop", 1, "stop", 2, "stop"));
        assertThat(streamed.endsWithDone()).isTrue();
    }

    @Test
    void aStreamEndsWithAUsageChunkWhenTheClientAsksForIt() {
        Streamed asked = gateway.stream("""
                {"model":"demo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"count me"}]}""");
        Streamed notAsked = gateway.stream("""
                {"model":"demo","stream":true,"messages":[{"role":"user","content":"count me"}]}""");

        List<Event> chunks = chunks(asked);
        JsonNode last = chunks.get(chunks.size() - 1).json();
        assertThat(last.path("choices").isArray()).isTrue();
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isPositive();
        assertThat(last.path("usage").path("completion_tokens").asInt()).isPositive();
        assertThat(last.path("usage").path("total_tokens").asInt())
                .isEqualTo(last.path("usage").path("prompt_tokens").asInt() + last.path("usage").path("completion_tokens").asInt());
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(chunk -> assertThat(chunk.json().path("usage").isNull()).isTrue());
        assertThat(asked.endsWithDone()).isTrue();

        assertThat(chunks(notAsked)).allSatisfy(chunk -> {
            assertThat(chunk.json().has("usage")).isFalse();
            assertThat(chunk.json().path("choices")).isNotEmpty();
        });
    }

    @Test
    void theOfficialOpenAiJavaSdkReadsTheUsageChunkAndTheChoices() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey("client-key").maxRetries(0).build();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("demo").addUserMessage("three of them").n(3)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();

        TreeMap<Long, StringBuilder> texts = new TreeMap<>();
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }
        chunks.forEach(chunk -> chunk.choices().forEach(choice ->
                choice.delta().content().ifPresent(text -> texts.computeIfAbsent(choice.index(), i -> new StringBuilder()).append(text))));

        assertThat(texts.keySet()).containsExactly(0L, 1L, 2L);
        assertThat(texts.values()).allSatisfy(text -> assertThat(text.toString()).isEqualTo(ECHO));
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage()).hasValueSatisfying(usage -> {
            assertThat(usage.completionTokens()).isPositive();
            assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
        });
    }

    /** The stream's chunks, without its {@code [DONE]}. */
    private static List<Event> chunks(Streamed streamed) {
        return streamed.events().stream().filter(event -> !event.data().equals("[DONE]")).toList();
    }
}
