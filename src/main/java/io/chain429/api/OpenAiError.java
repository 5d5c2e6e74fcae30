package io.chain429.api;

/**
 * OpenAI's error object, the only error shape 429chain ever returns:
 * {@code {"error":{"message":…,"type":…,"param":…,"code":…}}}.
 */
public record OpenAiError(String message, String type, String param, String code) {

    public static OpenAiError invalidRequest(String message, String param, String code) {
        return new OpenAiError(message, "invalid_request_error", param, code);
    }

    public static OpenAiError server(String message, String code) {
        return new OpenAiError(message, "server_error", null, code);
    }
}
