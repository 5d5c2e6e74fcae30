package io.chain429.sse;

import java.util.Objects;

/**
 * One dispatched Server-Sent Event.
 *
 * @param data the event's data lines joined with {@code '\n'} (per the SSE spec); never null, may be empty
 */
public record SseEvent(String data) {

    /** The end-of-stream marker OpenAI-style providers send as the last event. */
    public static final SseEvent DONE = new SseEvent("[DONE]");

    public SseEvent {
        Objects.requireNonNull(data, "data");
    }

    /**
     * True for the end marker in any spelling seen in the wild: {@code "[DONE]"} after trimming whitespace (so
     * {@code "data:[DONE]"}, {@code "data: [DONE]"} and {@code "data:  [DONE] "} all qualify). Allocation-free.
     */
    public boolean isDone() {
        String d = data;
        int from = 0;
        int to = d.length();
        while (from < to && isSpace(d.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(d.charAt(to - 1))) {
            to--;
        }
        return to - from == 6 && d.startsWith("[DONE]", from);
    }

    private static boolean isSpace(char c) {
        return c <= ' ' || Character.isWhitespace(c);
    }
}
