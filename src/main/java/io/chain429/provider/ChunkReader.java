package io.chain429.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.Json;
import io.chain429.core.ProviderError;
import io.chain429.core.StreamItem;
import io.chain429.sse.SseEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Reads one provider stream's events into OpenAI {@code chat.completion.chunk}s: one {@code id} and {@code created}
 * for the whole stream (the first chunk's), {@code model} on every chunk, finish reasons in OpenAI's vocabulary.
 * One instance per stream; the provider-specific parts come from the adapter.
 */
public final class ChunkReader {

    private static final Set<String> TOP_LEVEL_FIELDS =
            Set.of("id", "object", "created", "model", "choices", "usage", "system_fingerprint", "service_tier");
    private static final Set<String> CONTENT_FIELDS = Set.of("role", "tool_calls", "function_call", "refusal");

    private final Function<String, String> finishReasons;
    private final Function<JsonNode, ProviderError> errors;
    private final Instant now;
    private String id;
    private long created;
    private String model;

    ChunkReader(String model, Instant now, Function<String, String> finishReasons, Function<JsonNode, ProviderError> errors) {
        this.model = model;
        this.now = now;
        this.finishReasons = finishReasons;
        this.errors = errors;
    }

    public StreamItem read(SseEvent event) {
        if (event.isDone()) {
            return new StreamItem.Done();
        }
        JsonNode node = Json.parseOrNull(event.data().getBytes(StandardCharsets.UTF_8));
        if (node != null && node.isArray() && !node.isEmpty() && node.get(0).has("error")) {
            node = node.get(0); // Gemini wraps errors in an array, in streams too
        }
        if (node == null || !node.isObject()) {
            return new StreamItem.Malformed();
        }
        if (node.has("error")) {
            return new StreamItem.Error(errors.apply(node));
        }
        JsonNode choices = node.get("choices");
        boolean hasUsage = node.path("usage").isObject();
        if ((choices == null || !choices.isArray()) && !hasUsage) {
            return new StreamItem.Malformed();
        }
        return normalize((ObjectNode) node, choices == null || !choices.isArray() ? Json.MAPPER.createArrayNode() : (ArrayNode) choices);
    }

    /** The model the stream reported (as the provider names it), for logs and headers. */
    public String model() {
        return model;
    }

    private StreamItem.Chunk normalize(ObjectNode upstream, ArrayNode choices) {
        if (id == null) {
            String upstreamId = Json.text(upstream, "id");
            id = upstreamId == null || upstreamId.isEmpty() ? "chatcmpl-" + UUID.randomUUID().toString().replace("-", "") : upstreamId;
            JsonNode createdNode = upstream.get("created");
            created = createdNode != null && createdNode.canConvertToLong() ? createdNode.asLong() : now.getEpochSecond();
        }
        String reported = Json.text(upstream, "model");
        if (reported != null && !reported.isEmpty()) {
            model = reported;
        }
        ObjectNode chunk = Json.object();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        boolean content = false;
        boolean finishes = false;
        ArrayNode out = chunk.putArray("choices");
        int index = 0;
        for (JsonNode choice : choices) {
            ObjectNode normalized = choice.isObject() ? ((ObjectNode) choice).deepCopy() : Json.object();
            if (!normalized.path("index").canConvertToInt()) {
                normalized.put("index", index);
            }
            JsonNode delta = normalized.get("delta");
            if (delta == null || !delta.isObject()) {
                delta = normalized.putObject("delta");
            }
            content |= carriesContent(delta);
            JsonNode finish = normalized.get("finish_reason");
            if (finish != null && finish.isTextual()) {
                normalized.put("finish_reason", finishReasons.apply(finish.asText()));
                finishes = true;
            } else {
                normalized.putNull("finish_reason");
            }
            out.add(normalized);
            index++;
        }
        upstream.fields().forEachRemaining(field -> {
            if (TOP_LEVEL_FIELDS.contains(field.getKey()) && !chunk.has(field.getKey())) {
                chunk.set(field.getKey(), field.getValue());
            }
        });
        return new StreamItem.Chunk(chunk, content || finishes, finishes, choices.isEmpty() && chunk.has("usage"));
    }

    private static boolean carriesContent(JsonNode delta) {
        JsonNode text = delta.get("content");
        if (text != null && text.isTextual() && !text.asText().isEmpty()) {
            return true;
        }
        for (String field : CONTENT_FIELDS) {
            JsonNode value = delta.get(field);
            if (value != null && !value.isNull() && !(value.isTextual() && value.asText().isEmpty())) {
                return true;
            }
        }
        return false;
    }
}
