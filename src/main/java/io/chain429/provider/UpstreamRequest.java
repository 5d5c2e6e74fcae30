package io.chain429.provider;

import io.chain429.config.Secret;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * What an adapter wants sent to its provider. The key travels separately as a {@link Secret} so that
 * printing a request can never print the key.
 */
public record UpstreamRequest(URI uri, Map<String, String> headers, byte[] body, Optional<Secret> apiKey) {

    public UpstreamRequest {
        headers = Map.copyOf(headers);
    }

    @Override
    public String toString() {
        return "UpstreamRequest[" + uri.getHost() + ", " + body.length + " bytes, key " + apiKey.map(Secret::masked).orElse("none") + "]";
    }
}
