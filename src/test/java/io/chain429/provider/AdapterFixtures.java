package io.chain429.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.config.Secret;
import io.chain429.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builders shared by the adapter tests. */
public final class AdapterFixtures {

    public static final Instant NOW = Instant.parse("2026-11-27T20:00:00Z");

    private AdapterFixtures() {
    }

    public static ProviderConfig provider(ProviderAdapter adapter) {
        return new ProviderConfig("p1", adapter.type(),
                adapter.defaultBaseUrl().orElse(URI.create("http://localhost:8080/v1")),
                Optional.of(Secret.of("sk-test-1234567890")),
                ProviderConfig.QuotaScope.MODEL, ProviderConfig.Limits.NONE, ProviderConfig.Timeouts.DEFAULT,
                Optional.empty(), 1);
    }

    public static ObjectNode json(String text) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode parse(byte[] bytes) {
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body the adapter would send for {@code clientBody}. */
    public static ObjectNode shaped(ProviderAdapter adapter, String model, String clientBody) {
        UpstreamRequest request = adapter.prepare(provider(adapter), model, json(clientBody));
        return (ObjectNode) parse(request.body());
    }

    /** A response; {@code headers} alternate name, value. */
    public static UpstreamResponse response(int status, String body, String... headers) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            map.put(headers[i], List.of(headers[i + 1]));
        }
        return UpstreamResponse.of(status, map, body.getBytes(StandardCharsets.UTF_8));
    }
}
