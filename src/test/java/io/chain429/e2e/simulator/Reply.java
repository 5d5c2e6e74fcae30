package io.chain429.e2e.simulator;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One scripted answer: a whole body ({@link #json}) or an event stream ({@link #stream}).
 *
 * @param delay           wait before the status line and headers
 * @param stream          the stream script, or null for a whole-body reply
 * @param closeConnection close the connection after this reply (sent with {@code Connection: close}); a stream
 *                        is then sent without chunked framing, ending when the connection closes
 * @param drop            close the connection on reading the request, answering nothing ({@link #dropped()})
 */
public record Reply(int status, Map<String, String> headers, String body, Duration delay, StreamScript stream,
                    boolean closeConnection, boolean drop) {

    public Reply {
        headers = Map.copyOf(headers);
        body = body == null ? "" : body;
        delay = delay == null ? Duration.ZERO : delay;
    }

    public Reply(int status, Map<String, String> headers, String body, Duration delay, StreamScript stream,
                 boolean closeConnection) {
        this(status, headers, body, delay, stream, closeConnection, false);
    }

    public Reply(int status, Map<String, String> headers, String body, Duration delay) {
        this(status, headers, body, delay, null, false);
    }

    /**
     * Closes the connection as soon as the request is read, sending nothing: what a client sees when the provider's
     * idle timeout closes a keep-alive connection just as the client sends a request on it.
     */
    public static Reply dropped() {
        return new Reply(0, Map.of(), "", Duration.ZERO, null, true, true);
    }

    public static Reply json(int status, String body) {
        return new Reply(status, Map.of("Content-Type", "application/json"), body, Duration.ZERO);
    }

    /**
     * A streaming reply: status 200, {@code Content-Type: text/event-stream}, {@code Transfer-Encoding: chunked}
     * (or, with {@link #connectionClose()} / {@link StreamScript#connectionClose()}, no length and
     * {@code Connection: close}).
     */
    public static Reply stream(StreamScript script) {
        return new Reply(200, Map.of("Content-Type", "text/event-stream", "Cache-Control", "no-cache"), "",
                Duration.ZERO, script, false);
    }

    public Reply withHeader(String name, String value) {
        var copy = new HashMap<>(headers);
        copy.keySet().removeIf(k -> k.equalsIgnoreCase(name));
        copy.put(name, value);
        return new Reply(status, copy, body, delay, stream, closeConnection);
    }

    /** Waits this long before sending the status line (noticing a client that gives up meanwhile). */
    public Reply after(Duration wait) {
        return new Reply(status, headers, body, wait, stream, closeConnection);
    }

    /** Sends {@code Connection: close} and closes the connection after this reply. */
    public Reply connectionClose() {
        return new Reply(status, headers, body, delay, stream, true);
    }

    public boolean isStream() {
        return stream != null;
    }
}
