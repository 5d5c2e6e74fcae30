package io.chain429.core;

import java.util.Objects;
import java.util.Set;

/**
 * Why an attempt ended as it did, in two forms: a short stable {@code code} that operators filter, count and alert on
 * ({@code connect_refused}, {@code http_503}, {@code circuit_open}, ...), and a one-line {@code detail} in plain words.
 * The detail is written by 429chain itself, never copied from an exception or an upstream body, so it holds no key,
 * URL or message text and may be shown anywhere, the client's error message included.
 *
 * <p>The codes are listed in {@code docs/failures.md}; a new one goes there too.
 */
public record Reason(String code, String detail) {

    // the attempt was answered
    public static final String OK = "ok";
    // the call failed: these say something about the step's health
    public static final String CONNECT_REFUSED = "connect_refused";
    public static final String DNS_FAILED = "dns_failed";
    public static final String CONNECT_TIMEOUT = "connect_timeout";
    public static final String TLS_FAILED = "tls_failed";
    public static final String CONNECTION_RESET = "connection_reset";
    public static final String FIRST_BYTE_TIMEOUT = "first_byte_timeout";
    public static final String FIRST_TOKEN_TIMEOUT = "first_token_timeout";
    public static final String IDLE_TIMEOUT = "idle_timeout";
    public static final String TOTAL_TIMEOUT = "total_timeout";
    public static final String STREAM_CUT = "stream_cut";
    public static final String ERROR_EVENT = "error_event";
    public static final String MALFORMED_RESPONSE = "malformed_response";
    public static final String MODEL_UNAVAILABLE = "model_unavailable";
    public static final String CALL_FAILED = "call_failed";
    // the provider refused for reasons of quota, account or request: not the step's health
    public static final String RATE_LIMITED = "rate_limited";
    public static final String PAYMENT_REQUIRED = "payment_required";
    public static final String KEY_REJECTED = "key_rejected";
    public static final String CONTEXT_TOO_LONG = "context_too_long";
    public static final String CLIENT_ERROR = "client_error";
    public static final String CLIENT_GONE = "client_gone";
    // the step was not tried
    public static final String COOLING_DOWN = "cooling_down";
    public static final String CIRCUIT_OPEN = "circuit_open";
    public static final String DISABLED = "disabled";
    public static final String CONCURRENCY_FULL = "concurrency_full";
    public static final String REQUESTS_EXHAUSTED = "requests_exhausted";
    public static final String TOKENS_EXHAUSTED = "tokens_exhausted";
    public static final String PROVIDER_REMOVED = "provider_removed";
    // 429chain's own failure, not the provider's (its log has the details)
    public static final String INTERNAL_ERROR = "internal_error";

    /** Waiting longer on the same step will not help: the next step is tried at once, whatever the chain's retries. */
    private static final Set<String> TIMEOUTS = Set.of(CONNECT_TIMEOUT, FIRST_BYTE_TIMEOUT, FIRST_TOKEN_TIMEOUT, IDLE_TIMEOUT, TOTAL_TIMEOUT);

    /** The connection never carried the request: the provider cannot have seen it. */
    private static final Set<String> NOT_SENT = Set.of(CONNECT_REFUSED, DNS_FAILED, CONNECT_TIMEOUT, TLS_FAILED);

    public static final Reason ANSWERED = new Reason(OK, null);

    public Reason {
        Objects.requireNonNull(code, "code");
    }

    public static Reason of(String code, String detail) {
        return new Reason(code, detail);
    }

    /** {@code http_503}: an HTTP status that says nothing more specific. */
    public static Reason http(int status, String detail) {
        return new Reason("http_" + status, detail);
    }

    /** False when the attempt failed before its request could reach the provider (no connection was made). */
    public boolean requestSent() {
        return !NOT_SENT.contains(code);
    }

    public boolean isTimeout() {
        return TIMEOUTS.contains(code);
    }

    /** {@code code: detail}, or the code alone. */
    @Override
    public String toString() {
        return detail == null ? code : code + ": " + detail;
    }
}
