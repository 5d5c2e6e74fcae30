package io.chain429.provider.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.core.CallGuard;
import io.chain429.core.Json;
import io.chain429.provider.OpenAiCompatibleAdapter;
import io.chain429.provider.ProviderClient;
import io.chain429.provider.UpstreamRequest;
import io.chain429.provider.UpstreamResponse;
import io.chain429.provider.UpstreamStream;
import io.chain429.sse.SseSource;
import io.chain429.sse.StreamThread;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The offline provider that ends the shipped default chain, so a newcomer's first request succeeds with no keys
 * and no internet. It answers locally with an echo of the last user message, clearly labelled as a demo, and goes
 * through the same classification as a real provider. It honours {@code n} and {@code stream_options.include_usage}
 * as OpenAI does, so that client code tried against it behaves as it will against a real provider.
 */
public final class DemoAdapter extends OpenAiCompatibleAdapter {

    static final String LABEL = "[429chain demo provider: no real model answered] ";
    static final Duration TOKEN_INTERVAL = Duration.ofMillis(30);
    private static final ScheduledExecutorService TICKER = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "429chain-demo-stream");
        thread.setDaemon(true);
        return thread;
    });
    private static final int MAX_ECHO = 200;

    public DemoAdapter() {
        super("demo", Optional.of(URI.create("demo:local")), false);
    }

    @Override
    public UpstreamRequest prepare(ProviderConfig provider, String model, ObjectNode clientBody) {
        ObjectNode body = clientBody.deepCopy();
        body.put("model", model);
        return new UpstreamRequest(provider.baseUrl(), Map.of(), Json.bytes(body), Optional.empty());
    }

    /** The demo has no key to reject: it always works. */
    @Override
    public ProbeResult probe(ProviderClient client, ProviderConfig provider) {
        return new ProbeResult(true, "answered locally");
    }

    @Override
    public CompletionStage<UpstreamResponse> send(ProviderClient client, UpstreamRequest request, CallGuard guard) {
        JsonNode body = Json.parseOrNull(request.body());
        String content = answer(body);
        int choices = choices(body);
        ObjectNode completion = Json.object();
        completion.put("id", "chatcmpl-demo-" + UUID.randomUUID().toString().replace("-", ""));
        completion.put("object", "chat.completion");
        completion.put("created", Instant.now().getEpochSecond());
        completion.put("model", Json.text(body, "model"));
        ArrayNode answers = completion.putArray("choices");
        for (int index = 0; index < choices; index++) {
            ObjectNode choice = answers.addObject();
            choice.put("index", index);
            choice.putObject("message").put("role", "assistant").put("content", content);
            choice.put("finish_reason", "stop");
        }
        completion.set("usage", usage(request, content, choices));
        return CompletableFuture.completedFuture(UpstreamResponse.of(200, Map.of("content-type", List.of("application/json")), Json.bytes(completion)));
    }

    /**
     * Streams the same answer word by word, {@link #TOKEN_INTERVAL} apart, like a real model would, through the same
     * stream reader as a provider's bytes: each of the {@code n} choices gets its chunk of each word, and with
     * {@code stream_options.include_usage} every chunk says {@code "usage": null} and a last chunk with no choices
     * carries the usage, as OpenAI streams them.
     */
    @Override
    public CompletionStage<UpstreamStream> open(ProviderClient client, UpstreamRequest request, CallGuard guard, Consumer<UpstreamStream> onHeaders) {
        JsonNode body = Json.parseOrNull(request.body());
        boolean includeUsage = body != null && body.path("stream_options").path("include_usage").asBoolean(false);
        Chunks chunks = new Chunks("chatcmpl-demo-" + UUID.randomUUID().toString().replace("-", ""), Instant.now().getEpochSecond(),
                Json.text(body, "model"), choices(body), includeUsage);
        String content = answer(body);
        List<String> ticks = new ArrayList<>();
        ticks.add(chunks.each(() -> Json.object().put("role", "assistant").put("content", ""), null));
        for (String word : content.split("(?<= )")) {
            ticks.add(chunks.each(() -> Json.object().put("content", word), null));
        }
        ticks.add(chunks.each(Json::object, "stop"));
        if (includeUsage) {
            ticks.add(chunks.usage(usage(request, content, chunks.choices())));
        }
        ticks.add(event("[DONE]"));
        SseSource source = new SseSource(StreamThread.of(TICKER));
        UpstreamStream stream = new UpstreamStream(200, HttpHeaders.of(Map.of("content-type", List.of("text/event-stream")), (k, v) -> true), source);
        // the headers go to onHeaders on the stream's thread, like an HTTP stream's, and only then does the body start
        return CompletableFuture.supplyAsync(() -> {
            onHeaders.accept(stream);
            guard.onAbort(source::close);
            source.onSubscribe(new Emitter(source, ticks));
            return stream;
        }, TICKER);
    }

    /** The chunks of one streamed answer: their common fields, one choice each. */
    private record Chunks(String id, long created, String model, int choices, boolean includeUsage) {

        /** One event per choice, each with its {@code delta}, sent together. */
        String each(Supplier<ObjectNode> delta, String finishReason) {
            StringBuilder events = new StringBuilder();
            for (int index = 0; index < choices; index++) {
                ObjectNode chunk = head();
                ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
                choice.set("delta", delta.get());
                choice.put("finish_reason", finishReason);
                if (includeUsage) {
                    chunk.putNull("usage");
                }
                events.append(event(chunk.toString()));
            }
            return events.toString();
        }

        String usage(ObjectNode usage) {
            ObjectNode chunk = head();
            chunk.putArray("choices");
            chunk.set("usage", usage);
            return event(chunk.toString());
        }

        private ObjectNode head() {
            return Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
        }
    }

    private static String event(String data) {
        return "data: " + data + "\n\n";
    }

    /**
     * Pushes one tick's events into the source, each {@link #TOKEN_INTERVAL} after the last was pushed (not on a fixed
     * rate, which would push late ticks in a burst on a busy machine), stopping when the reader closes it.
     */
    private static final class Emitter implements Flow.Subscription {
        private final SseSource source;
        private final List<String> ticks;
        private final ScheduledFuture<?> schedule;
        private int next;

        Emitter(SseSource source, List<String> ticks) {
            this.source = source;
            this.ticks = ticks;
            this.schedule = TICKER.scheduleWithFixedDelay(this::tick, 0, TOKEN_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }

        private synchronized void tick() {
            if (next == ticks.size()) {
                schedule.cancel(false);
                source.onComplete();
                return;
            }
            source.onNext(List.of(ByteBuffer.wrap(ticks.get(next++).getBytes(StandardCharsets.UTF_8))));
        }

        @Override
        public void request(long n) {
            // the demo paces itself; it never outruns a reader by more than a few small events
        }

        @Override
        public void cancel() {
            schedule.cancel(false);
        }
    }

    /** {@code n}: how many choices the client asked for (ParseChatRequest has checked its range). */
    private static int choices(JsonNode body) {
        return body == null ? 1 : Math.max(1, body.path("n").asInt(1));
    }

    /** Rough counts, a token being about 4 characters: the demo has no tokenizer, and counts are all a client reads. */
    private static ObjectNode usage(UpstreamRequest request, String content, int choices) {
        int promptTokens = Math.max(1, request.body().length / 4);
        int completionTokens = Math.max(1, content.length() / 4) * choices;
        return Json.object()
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
    }

    private static String answer(JsonNode body) {
        String said = lastUserMessage(body);
        String echo = said.length() > MAX_ECHO ? said.substring(0, MAX_ECHO) + "…" : said;
        return LABEL + "You said: " + echo;
    }

    private static String lastUserMessage(JsonNode body) {
        JsonNode messages = body == null ? null : body.get("messages");
        if (messages != null && messages.isArray()) {
            for (int i = messages.size() - 1; i >= 0; i--) {
                JsonNode message = messages.get(i);
                if ("user".equals(Json.text(message, "role"))) {
                    return contentText(message.get("content"));
                }
            }
        }
        return "";
    }

    /** Content is a string, or an array of parts of which the text ones count. */
    private static String contentText(JsonNode content) {
        if (content == null) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(part -> {
            if (part.path("text").isTextual()) {
                text.append(part.get("text").asText());
            }
        });
        return text.toString();
    }
}
