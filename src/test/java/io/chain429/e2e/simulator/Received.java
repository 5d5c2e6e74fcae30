package io.chain429.e2e.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One request as the provider saw it.
 *
 * @param arrivedNanos {@link System#nanoTime()} when the simulator had read it
 */
public record Received(String path, Map<String, List<String>> headers, JsonNode body, long arrivedNanos) {
    public String header(String name) {
        return headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(e -> e.getValue().get(0))
                .findFirst().orElse(null);
    }

    /** Whether the request body asked for a stream ({@code "stream": true}). */
    public boolean streamRequested() {
        JsonNode stream = body == null ? null : body.get("stream");
        return stream != null && stream.isBoolean() && stream.booleanValue();
    }
}
