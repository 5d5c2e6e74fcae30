package io.chain429.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenAI's error object, the only error shape 429chain ever returns:
 * {@code {"error":{"message":…,"type":…,"param":…,"code":…}}}.
 */
public record OpenAiError(String message, String type, String param, String code) {

    /** The whole error body, as every OpenAI client parses it. */
    public ObjectNode toJson() {
        ObjectNode root = Json.object();
        root.putObject("error").put("message", message).put("type", type).put("param", param).put("code", code);
        return root;
    }

    public static OpenAiError invalidRequest(String message, String param, String code) {
        return new OpenAiError(message, "invalid_request_error", param, code);
    }

    public static OpenAiError server(String message, String code) {
        return new OpenAiError(message, "server_error", null, code);
    }
}
