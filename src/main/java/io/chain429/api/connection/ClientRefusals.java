package io.chain429.api.connection;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts the requests the API port refused, and the answers it cut, for how the client sent or took them, as
 * {@code chain429_client_refusals_total{reason}}: what an operator looks at when clients say their requests fail
 * before reaching any chain (each is also logged at DEBUG with its client and its cause).
 *
 * <p>Reasons: {@code header_timeout}, {@code body_timeout}, {@code stalled_answer} (an HTTP/2 client that took
 * nothing of its answer), and the error codes clients get for a request that could not be read
 * ({@code invalid_framing}, {@code unsupported_transfer_coding}, {@code uri_too_long},
 * {@code request_headers_too_large}, {@code invalid_request}). A kept-alive connection closed for idling is not
 * counted: that is how connections end.
 */
public final class ClientRefusals {

    static final String HEADER_TIMEOUT = "header_timeout";
    static final String BODY_TIMEOUT = "body_timeout";
    static final String STALLED_ANSWER = "stalled_answer";

    private final MeterRegistry registry;
    // reasons come from 429chain's own few words, never from a client, so this stays small
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public ClientRefusals(MeterRegistry registry) {
        this.registry = registry;
    }

    void count(String reason) {
        counters.computeIfAbsent(reason, name -> Counter.builder("chain429.client.refusals")
                .description("requests refused and answers cut by the API port for how the client sent or took them")
                .tag("reason", name)
                .register(registry)).increment();
    }
}
