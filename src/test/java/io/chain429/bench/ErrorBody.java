package io.chain429.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/** What an error answer says about itself, for the failures a benchmark run reports: its OpenAI error code and message. */
final class ErrorBody {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MESSAGE = 160;

    private ErrorBody() {
    }

    /** {@code " (code: message)"} for a non-200 answer with an OpenAI error body, else the start of the body, else "". */
    static String summary(int status, Buffer body) {
        if (status == 200 || body == null || body.length() == 0) {
            return "";
        }
        String text = body.toString();
        try {
            JsonNode error = JSON.readTree(text).path("error");
            if (error.isObject()) {
                return " (" + error.path("code").asText("no code") + ": " + shortened(error.path("message").asText("")) + ")";
            }
        } catch (IOException notJson) {
            // shown as it is
        }
        return " (" + shortened(text) + ")";
    }

    private static String shortened(String text) {
        String line = text.replaceAll("\\s+", " ").trim();
        return line.length() <= MAX_MESSAGE ? line : line.substring(0, MAX_MESSAGE) + "…";
    }
}
