package io.chain429.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Parses a chat-completions request and rejects what no provider could serve, before any provider is called.
 * Fields 429chain does not know pass through untouched.
 */
public final class ParseChatRequest implements Processor {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final int MAX_MODEL_LENGTH = 256;

    @Override
    public void process(Exchange exchange) {
        long received = System.nanoTime();
        JsonNode node = Json.parseOrNull(exchange.getMessage().getBody(byte[].class));
        if (node == null || !node.isObject()) {
            throw invalid("The request body must be a JSON object (a chat-completions request).", null, "invalid_json");
        }
        ObjectNode body = (ObjectNode) node;
        String model = model(body.get("model"));
        checkMessages(body.get("messages"));
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw invalid("'stream' must be true or false.", "stream", "invalid_type");
        }
        exchange.setProperty(ChatRequest.PROPERTY, new ChatRequest(body, model, stream != null && stream.asBoolean(), received));
    }

    private static String model(JsonNode model) {
        if (model == null || model.isNull()) {
            return null;
        }
        if (!model.isTextual()) {
            throw invalid("'model' must be a string: a chain name or provider/model.", "model", "invalid_type");
        }
        if (model.asText().length() > MAX_MODEL_LENGTH) {
            throw invalid("'model' is longer than " + MAX_MODEL_LENGTH + " characters.", "model", "invalid_value");
        }
        return model.asText();
    }

    private static void checkMessages(JsonNode messages) {
        if (messages == null || messages.isNull()) {
            throw invalid("'messages' is required.", "messages", "missing_required_parameter");
        }
        if (!messages.isArray()) {
            throw invalid("'messages' must be an array of messages.", "messages", "invalid_type");
        }
        if (messages.isEmpty()) {
            throw invalid("'messages' must contain at least one message.", "messages", "invalid_value");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode role = messages.get(i).get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                throw invalid("messages[" + i + "].role must be one of " + String.join(", ", ROLES.stream().sorted().toList()) + ".",
                        "messages[" + i + "].role", "invalid_value");
            }
        }
    }

    private static ApiException invalid(String message, String param, String code) {
        return new ApiException(400, OpenAiError.invalidRequest(message, param, code));
    }
}
