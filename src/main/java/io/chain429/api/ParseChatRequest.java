package io.chain429.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.ApiException;
import io.chain429.core.ChatRequest;
import io.chain429.core.Json;
import io.chain429.core.OpenAiError;
import io.chain429.security.HttpServerErrors;
import java.io.IOException;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.service.ServiceSupport;

/**
 * Parses a chat-completions request and rejects what no provider could serve, before any provider is called: a body
 * that is not one JSON object, malformed {@code messages}, and known parameters of the wrong type or out of range,
 * each answered with a 400 naming the parameter ({@code messages[2].content}). Fields 429chain does not know pass
 * through untouched.
 *
 * <p>A body over {@code camel.server.maxBodySize} never reaches this processor: Vert.x refuses it while reading it.
 * When this processor starts, it installs {@link HttpServerErrors} on the HTTP server so that that refusal, too, is an
 * OpenAI-shaped error (413 {@code request_too_large}).
 */
public final class ParseChatRequest extends ServiceSupport implements Processor, CamelContextAware {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final String ROLE_LIST = String.join(", ", ROLES.stream().sorted().toList());
    private static final int MAX_MODEL_LENGTH = 256;
    private static final int MAX_N = 16;
    private static final long MAX_TOKENS = 1_000_000;

    /**
     * Exactly one JSON value (trailing bytes are an error) with no key given twice: a duplicated key would be read
     * one way here and maybe another way by a provider.
     */
    private static final ObjectReader READER = Json.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private CamelContext camelContext;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    protected void doStart() {
        if (camelContext != null) {
            HttpServerErrors.install(camelContext);
        }
    }

    @Override
    public void process(Exchange exchange) {
        long received = System.nanoTime();
        ObjectNode body = parse(exchange.getMessage().getBody(byte[].class));
        String model = model(body.get("model"));
        checkMessages(body.get("messages"));
        boolean stream = bool(body, "stream");
        integer(body, "n", 1, MAX_N);
        integer(body, "max_tokens", 1, MAX_TOKENS);
        integer(body, "max_completion_tokens", 1, MAX_TOKENS);
        number(body, "temperature", 0, 2);
        number(body, "top_p", 0, 1);
        JsonNode streamOptions = body.get("stream_options");
        if (present(streamOptions)) {
            if (!streamOptions.isObject()) {
                throw invalid("'stream_options' must be an object.", "stream_options", "invalid_type");
            }
            if (!stream) {
                throw invalid("'stream_options' is only allowed when 'stream' is true.", "stream_options", "invalid_value");
            }
        }
        exchange.setProperty(ChatRequest.PROPERTY, new ChatRequest(body, model, stream, received));
    }

    private static ObjectNode parse(byte[] bytes) {
        JsonNode node = null;
        if (bytes != null && bytes.length > 0) {
            try {
                node = READER.readTree(bytes);
            } catch (IOException | RuntimeException e) {
                // not JSON, not UTF-8, nested too deeply, a key twice, trailing bytes...: all the same to the client
                node = null;
            }
        }
        if (node == null || !node.isObject()) {
            throw invalid("The request body must be a JSON object (a chat-completions request).", null, "invalid_json");
        }
        return (ObjectNode) node;
    }

    private static String model(JsonNode model) {
        if (!present(model)) {
            return null;
        }
        if (!model.isTextual()) {
            throw invalid("'model' must be a string: a chain name or provider/model.", "model", "invalid_type");
        }
        String name = model.asText();
        if (name.length() > MAX_MODEL_LENGTH) {
            throw invalid("'model' is longer than " + MAX_MODEL_LENGTH + " characters.", "model", "invalid_value");
        }
        // a provider/model step is echoed in the X-429chain-Provider header, where a control character cannot go
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw invalid("'model' must not contain control characters.", "model", "invalid_value");
        }
        return name;
    }

    private static void checkMessages(JsonNode messages) {
        if (!present(messages)) {
            throw invalid("'messages' is required.", "messages", "missing_required_parameter");
        }
        if (!messages.isArray()) {
            throw invalid("'messages' must be an array of messages.", "messages", "invalid_type");
        }
        if (messages.isEmpty()) {
            throw invalid("'messages' must contain at least one message.", "messages", "invalid_value");
        }
        for (int i = 0; i < messages.size(); i++) {
            checkMessage(messages.get(i), "messages[" + i + "]");
        }
    }

    private static void checkMessage(JsonNode message, String at) {
        if (!message.isObject()) {
            throw invalid(at + " must be an object with a 'role' and a 'content'.", at, "invalid_type");
        }
        JsonNode role = message.get("role");
        if (!present(role)) {
            throw invalid(at + ".role is required.", at + ".role", "missing_required_parameter");
        }
        if (!role.isTextual()) {
            throw invalid(at + ".role must be a string, one of " + ROLE_LIST + ".", at + ".role", "invalid_type");
        }
        if (!ROLES.contains(role.asText())) {
            throw invalid(at + ".role must be one of " + ROLE_LIST + ".", at + ".role", "invalid_value");
        }
        JsonNode content = message.get("content");
        if (!present(content)) {
            // only an assistant's turn may have no content (it called tools or a function, or refused)
            if (role.asText().equals("assistant")) {
                return;
            }
            if (content == null) {
                throw invalid(at + ".content is required for a " + role.asText() + " message.", at + ".content",
                        "missing_required_parameter");
            }
            throw invalid(at + ".content may only be null in an assistant message.", at + ".content", "invalid_type");
        }
        if (content.isTextual()) {
            return;
        }
        if (!content.isArray()) {
            throw invalid(at + ".content must be a string or an array of content parts.", at + ".content", "invalid_type");
        }
        for (int j = 0; j < content.size(); j++) {
            checkPart(content.get(j), at + ".content[" + j + "]");
        }
    }

    private static void checkPart(JsonNode part, String at) {
        if (!part.isObject()) {
            throw invalid(at + " must be an object with a 'type'.", at, "invalid_type");
        }
        JsonNode type = part.get("type");
        if (!present(type)) {
            throw invalid(at + ".type is required.", at + ".type", "missing_required_parameter");
        }
        if (!type.isTextual()) {
            throw invalid(at + ".type must be a string.", at + ".type", "invalid_type");
        }
        if (type.asText().equals("text")) {
            JsonNode text = part.get("text");
            if (!present(text)) {
                throw invalid(at + ".text is required for a text part.", at + ".text", "missing_required_parameter");
            }
            if (!text.isTextual()) {
                throw invalid(at + ".text must be a string.", at + ".text", "invalid_type");
            }
        }
    }

    /** A boolean parameter; false when absent or null. */
    private static boolean bool(ObjectNode body, String name) {
        JsonNode value = body.get(name);
        if (!present(value)) {
            return false;
        }
        if (!value.isBoolean()) {
            throw invalid("'" + name + "' must be true or false.", name, "invalid_type");
        }
        return value.booleanValue();
    }

    private static void integer(ObjectNode body, String name, long min, long max) {
        JsonNode value = body.get(name);
        if (!present(value)) {
            return;
        }
        if (!value.isIntegralNumber()) {
            throw invalid("'" + name + "' must be an integer.", name, "invalid_type");
        }
        if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            throw invalid("'" + name + "' must be between " + min + " and " + max + ".", name, "invalid_value");
        }
    }

    private static void number(ObjectNode body, String name, double min, double max) {
        JsonNode value = body.get(name);
        if (!present(value)) {
            return;
        }
        if (!value.isNumber()) {
            throw invalid("'" + name + "' must be a number.", name, "invalid_type");
        }
        double d = value.doubleValue();
        if (!(d >= min && d <= max)) { // also false for NaN
            throw invalid("'" + name + "' must be between " + format(min) + " and " + format(max) + ".", name, "invalid_value");
        }
    }

    private static String format(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** Set and not JSON null: a null optional parameter means "the default", as with OpenAI. */
    private static boolean present(JsonNode value) {
        return value != null && !value.isNull() && !value.isMissingNode();
    }

    private static ApiException invalid(String message, String param, String code) {
        return new ApiException(400, OpenAiError.invalidRequest(message, param, code));
    }
}
