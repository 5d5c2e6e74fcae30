package io.chain429.api.connection;

/**
 * A request whose framing 429chain will not read (RFC 9112 §6): answered with {@link #status()} and the connection
 * closed, since where the request ends, and so where the next one begins, cannot be trusted.
 */
final class FramingRefusal extends IllegalArgumentException {

    private final int status;
    private final String code;

    FramingRefusal(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    /** The OpenAI error code the client gets. */
    String code() {
        return code;
    }
}
