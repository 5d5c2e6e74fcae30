package io.chain429.provider;

import io.chain429.sse.SseSource;
import java.net.http.HttpHeaders;
import java.util.Locale;

/** A provider's answer to a streaming request whose headers have arrived; its body is read through {@link #source()}. */
public record UpstreamStream(int status, HttpHeaders headers, SseSource source) {

    public boolean isSuccessfulEventStream() {
        return status >= 200 && status < 300
                && headers.firstValue("content-type").orElse("").toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }
}
