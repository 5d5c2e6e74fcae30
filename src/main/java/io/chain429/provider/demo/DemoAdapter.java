package io.chain429.provider.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.api.Json;
import io.chain429.config.ProviderConfig;
import io.chain429.provider.OpenAiCompatibleAdapter;
import io.chain429.provider.ProviderClient;
import io.chain429.provider.UpstreamRequest;
import io.chain429.provider.UpstreamResponse;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The offline provider that ends the shipped default chain, so a newcomer's first request succeeds with no keys
 * and no internet. It answers locally with an echo of the last user message, clearly labelled as a demo, and goes
 * through the same classification as a real provider.
 */
public final class DemoAdapter extends OpenAiCompatibleAdapter {

    static final String LABEL = "[429chain demo provider: no real model answered] ";
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

    @Override
    public UpstreamResponse send(ProviderClient client, UpstreamRequest request) {
        JsonNode body = Json.parseOrNull(request.body());
        String said = lastUserMessage(body);
        String echo = said.length() > MAX_ECHO ? said.substring(0, MAX_ECHO) + "…" : said;
        String content = LABEL + "You said: " + echo;
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
        return UpstreamResponse.of(200, Map.of("content-type", List.of("application/json")), Json.bytes(completion));
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
