package io.chain429.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.Json;
import io.chain429.core.StreamItem;
import io.chain429.sse.SseEvent;
import io.chain429.sse.SseParser;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Folds a whole event stream into one {@code chat.completion}, for servers that stream although {@code stream:false}
 * was asked: content and tool-call arguments are concatenated per choice, the last finish reason and usage kept.
 */
final class StreamAggregator {

    private StreamAggregator() {
    }

    /** @return empty when the stream holds an error event or no chunk that finished */
    static Optional<ObjectNode> aggregate(byte[] body, ChunkReader reader) {
        List<SseEvent> events = new ArrayList<>();
        SseParser parser = new SseParser();
        parser.feed(ByteBuffer.wrap(body), events::add);
        parser.finish(events::add);
        TreeMap<Integer, Choice> choices = new TreeMap<>();
        ObjectNode last = null;
        JsonNode usage = null;
        for (SseEvent event : events) {
            StreamItem item = reader.read(event);
            if (item instanceof StreamItem.Error) {
                return Optional.empty();
            }
            if (item instanceof StreamItem.Chunk chunk) {
                last = chunk.chunk();
                if (last.path("usage").isObject()) {
                    usage = last.get("usage");
                }
                for (JsonNode choice : last.path("choices")) {
                    choices.computeIfAbsent(choice.path("index").asInt(), Choice::new).add(choice);
                }
            }
        }
        if (last == null || choices.values().stream().noneMatch(c -> c.finishReason != null)) {
            return Optional.empty();
        }
        ObjectNode completion = Json.object();
        completion.put("id", last.path("id").asText());
        completion.put("object", "chat.completion");
        completion.put("created", last.path("created").asLong());
        completion.put("model", last.path("model").asText());
        ArrayNode out = completion.putArray("choices");
        choices.values().forEach(choice -> out.add(choice.toJson()));
        if (usage != null) {
            completion.set("usage", usage);
        }
        return Optional.of(completion);
    }

    private static final class Choice {
        private final int index;
        private final StringBuilder content = new StringBuilder();
        private final TreeMap<Integer, ObjectNode> toolCalls = new TreeMap<>();
        private String role = "assistant";
        private String finishReason;

        Choice(int index) {
            this.index = index;
        }

        void add(JsonNode choice) {
            JsonNode delta = choice.path("delta");
            if (delta.path("role").isTextual()) {
                role = delta.get("role").asText();
            }
            if (delta.path("content").isTextual()) {
                content.append(delta.get("content").asText());
            }
            for (JsonNode call : delta.path("tool_calls")) {
                ObjectNode merged = toolCalls.computeIfAbsent(call.path("index").asInt(), i -> Json.object());
                call.fields().forEachRemaining(field -> {
                    if (!field.getKey().equals("function") && !field.getKey().equals("index")) {
                        merged.set(field.getKey(), field.getValue());
                    }
                });
                ObjectNode function = merged.has("function") ? (ObjectNode) merged.get("function") : merged.putObject("function");
                JsonNode part = call.path("function");
                if (part.path("name").isTextual()) {
                    function.put("name", part.get("name").asText());
                }
                if (part.path("arguments").isTextual()) {
                    function.put("arguments", function.path("arguments").asText("") + part.get("arguments").asText());
                }
            }
            if (choice.path("finish_reason").isTextual()) {
                finishReason = choice.get("finish_reason").asText();
            }
        }

        ObjectNode toJson() {
            ObjectNode choice = Json.object();
            choice.put("index", index);
            ObjectNode message = choice.putObject("message");
            message.put("role", role);
            message.put("content", content.toString());
            if (!toolCalls.isEmpty()) {
                message.putArray("tool_calls").addAll(toolCalls.values());
            }
            choice.put("finish_reason", finishReason);
            return choice;
        }
    }
}
