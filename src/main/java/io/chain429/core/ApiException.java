package io.chain429.core;

/** Ends a request with an OpenAI-shaped error; thrown by processors, rendered by the API's error writer. */
public class ApiException extends RuntimeException {

    private final int status;
    private final OpenAiError error;
    private final Integer retryAfterSeconds;

    public ApiException(int status, OpenAiError error) {
        this(status, error, null);
    }

    /** An error that tells the client when to come back ({@code Retry-After}). */
    public ApiException(int status, OpenAiError error, Integer retryAfterSeconds) {
        super(error.message(), null, false, false);
        this.status = status;
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public java.util.Optional<Integer> retryAfterSeconds() {
        return java.util.Optional.ofNullable(retryAfterSeconds);
    }

    public int status() {
        return status;
    }

    public OpenAiError error() {
        return error;
    }
}
