package io.chain429.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A request's likely token cost, known before sending it: about four characters per prompt token, plus the
 * completion tokens it may ask for. Enough to skip a step whose remaining tokens cannot cover it.
 */
public final class TokenEstimate {

    private static final int CHARS_PER_TOKEN = 4;

    private TokenEstimate() {
    }

    public static long of(JsonNode body) {
        long chars = 0;
        for (JsonNode message : body.path("messages")) {
            JsonNode content = message.path("content");
            if (content.isTextual()) {
                chars += content.asText().length();
            } else {
                for (JsonNode part : content) {
                    chars += part.path("text").asText("").length();
                }
            }
        }
        long completion = Math.max(body.path("max_completion_tokens").asLong(0), body.path("max_tokens").asLong(0));
        return chars / CHARS_PER_TOKEN + completion;
    }
}
