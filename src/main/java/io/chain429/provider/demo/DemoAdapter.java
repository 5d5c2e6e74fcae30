package io.chain429.provider.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.api.Json;
import io.chain429.config.ProviderConfig;
import io.chain429.provider.CallGuard;
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

/**
 * The offline provider that ends the shipped default chain, so a newcomer's first request succeeds with no keys
 * and no internet. It answers locally with an echo of the last user message, clearly labelled as a demo, and goes
 * through the same classification as a real provider.
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
        ObjectNode completion = Json.object();
        completion.put("id", "chatcmpl-demo-" + UUID.randomUUID().toString().replace("-", ""));
        completion.put("object", "chat.completion");
        completion.put("created", Instant.now().getEpochSecond());
        completion.put("model", Json.text(body, "model"));
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content);
        choice.put("finish_reason", "stop");
        int promptTokens = Math.max(1, request.body().length / 4);
        int completionTokens = Math.max(1, content.length() / 4);
        completion.putObject("usage")
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        return CompletableFuture.completedFuture(UpstreamResponse.of(200, Map.of("content-type", List.of("application/json")), Json.bytes(completion)));
    }

    /**
     * Streams the same answer word by word, {@link #TOKEN_INTERVAL} apart, like a real model would, through the same
     * stream reader as a provider's bytes.
     */
    @Override
    public CompletionStage<UpstreamStream> open(ProviderClient client, UpstreamRequest request, CallGuard guard, Consumer<UpstreamStream> onHeaders) {
        JsonNode body = Json.parseOrNull(request.body());
        String id = "chatcmpl-demo-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        String model = Json.text(body, "model");
        List<String> events = new ArrayList<>();
        events.add(chunk(id, created, model, Json.object().put("role", "assistant").put("content", ""), null));
        for (String word : answer(body).split("(?<= )")) {
            events.add(chunk(id, created, model, Json.object().put("content", word), null));
        }
        events.add(chunk(id, created, model, Json.object(), "stop"));
        events.add("[DONE]");
        SseSource source = new SseSource(StreamThread.of(TICKER));
        UpstreamStream stream = new UpstreamStream(200, HttpHeaders.of(Map.of("content-type", List.of("text/event-stream")), (k, v) -> true), source);
        // the headers go to onHeaders on the stream's thread, like an HTTP stream's, and only then does the body start
        return CompletableFuture.supplyAsync(() -> {
            onHeaders.accept(stream);
            guard.onAbort(source::close);
            source.onSubscribe(new Emitter(source, events));
            return stream;
        }, TICKER);
    }

    /** Pushes one event per tick into the source, stopping when the reader closes it. */
    private static final class Emitter implements Flow.Subscription {
        private final SseSource source;
        private final List<String> events;
        private final ScheduledFuture<?> ticks;
        private int next;

        Emitter(SseSource source, List<String> events) {
            this.source = source;
            this.events = events;
            this.ticks = TICKER.scheduleAtFixedRate(this::tick, 0, TOKEN_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }

        private synchronized void tick() {
            if (next == events.size()) {
                ticks.cancel(false);
                source.onComplete();
                return;
            }
            byte[] event = ("data: " + events.get(next++) + "\n\n").getBytes(StandardCharsets.UTF_8);
            source.onNext(List.of(ByteBuffer.wrap(event)));
        }

        @Override
        public void request(long n) {
            // the demo paces itself; it never outruns a reader by more than a few small events
        }

        @Override
        public void cancel() {
            ticks.cancel(false);
        }
    }

    private static String chunk(String id, long created, String model, ObjectNode delta, String finishReason) {
        ObjectNode chunk = Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finishReason);
        return chunk.toString();
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
