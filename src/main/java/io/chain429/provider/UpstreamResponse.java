package io.chain429.provider;

import java.net.http.HttpHeaders;
import java.util.Map;
import java.util.List;

/** A provider's complete answer to one attempt. Header names are case-insensitive. */
public record UpstreamResponse(int status, HttpHeaders headers, byte[] body) {

    public static UpstreamResponse of(int status, Map<String, List<String>> headers, byte[] body) {
        return new UpstreamResponse(status, HttpHeaders.of(headers, (k, v) -> true), body);
    }

    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }

    public String contentType() {
        String value = header("content-type");
        return value == null ? "" : value.toLowerCase(java.util.Locale.ROOT);
    }
}
