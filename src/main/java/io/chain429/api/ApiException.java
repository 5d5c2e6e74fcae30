package io.chain429.api;

/** Ends a request with an OpenAI-shaped error; thrown by processors, rendered by {@link WriteApiError}. */
public class ApiException extends RuntimeException {

    private final int status;
    private final OpenAiError error;

    public ApiException(int status, OpenAiError error) {
        super(error.message(), null, false, false);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public OpenAiError error() {
        return error;
    }
}
