package io.chain429.e2e.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a streaming reply sends, and how. Immutable: each method returns a changed copy.
 *
 * <p>The data events are, in order: the {@link #events} payloads, the {@link #chat} chunks, the
 * {@link #withUsage} chunk, the {@link #thenEvents} payloads. {@link #cutAfter} and {@link #stallAfter} count
 * those data events (comments do not count); a value beyond their number means the stream ends normally.
 */
public final class StreamScript {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger IDS = new AtomicInteger();

    /** {@code chunks}: false when only a usage chunk carries this id (a {@link #withUsage} on raw events). */
    private record Chat(String id, long created, String model, List<String> tokens, boolean chunks) {
    }

    // what the events say
    private List<String> head = List.of();
    private Chat chat;
    private int[] usage;
    private List<String> tail = List.of();
    private boolean crlf;
    private boolean noSpace;
    private String done;
    // how they go on the wire, read by ReplyWriter (package-private; only copy() writes them)
    Duration interval = Duration.ZERO;
    Duration firstByteDelay = Duration.ZERO;
    Duration firstEventDelay = Duration.ZERO;
    Long splitSeed;
    Duration splitPause = Duration.ZERO;
    boolean comments;
    boolean noDone;
    int cutAfter = -1;
    int stallAfter = -1;
    boolean connectionClose;

    private StreamScript() {
    }

    private StreamScript copy() {
        StreamScript c = new StreamScript();
        c.head = head;
        c.chat = chat;
        c.usage = usage;
        c.tail = tail;
        c.interval = interval;
        c.firstByteDelay = firstByteDelay;
        c.firstEventDelay = firstEventDelay;
        c.splitSeed = splitSeed;
        c.splitPause = splitPause;
        c.crlf = crlf;
        c.comments = comments;
        c.noSpace = noSpace;
        c.done = done;
        c.noDone = noDone;
        c.cutAfter = cutAfter;
        c.stallAfter = stallAfter;
        c.connectionClose = connectionClose;
        return c;
    }

    /** Each payload becomes {@code data: <payload>} and a blank line. */
    public static StreamScript events(String... dataPayloads) {
        StreamScript s = new StreamScript();
        s.head = List.of(dataPayloads);
        return s;
    }

    /**
     * Realistic {@code chat.completion.chunk} payloads: a first chunk with delta
     * {@code {"role":"assistant","content":""}}, one chunk per token, a last chunk with an empty delta and
     * {@code finish_reason: "stop"}; all with the same id ({@code chatcmpl-sim-<n>}), created and model.
     */
    public static StreamScript chat(String model, String... tokens) {
        StreamScript s = new StreamScript();
        s.chat = new Chat("chatcmpl-sim-" + IDS.incrementAndGet(), Instant.now().getEpochSecond(), model, List.of(tokens), true);
        return s;
    }

    /**
     * Appends a usage-only chunk ({@code choices: []}), like OpenAI with {@code stream_options.include_usage}
     * (which then also sends {@code "usage": null} on every other chat chunk).
     */
    public StreamScript withUsage(int prompt, int completion) {
        StreamScript c = copy();
        c.usage = new int[] {prompt, completion};
        if (c.chat == null) {
            c.chat = new Chat("chatcmpl-sim-" + IDS.incrementAndGet(), Instant.now().getEpochSecond(), "simulated", List.of(), false);
        }
        return c;
    }

    /** Pause between data events (default none). */
    public StreamScript interval(Duration between) {
        StreamScript c = copy();
        c.interval = between;
        return c;
    }

    /** Wait before the status line and headers. */
    public StreamScript firstByteDelay(Duration d) {
        StreamScript c = copy();
        c.firstByteDelay = d;
        return c;
    }

    /** Headers go out at once, then this wait before the first event. */
    public StreamScript firstEventDelay(Duration d) {
        StreamScript c = copy();
        c.firstEventDelay = d;
        return c;
    }

    /**
     * Writes everything after the headers in random pieces of 1–7 bytes (one HTTP chunk each), flushing each,
     * with a 100 µs pause between the pieces of an event so that a reader really gets them in separate reads
     * (back-to-back tiny writes on loopback are often coalesced before the reader wakes up).
     */
    public StreamScript splitWrites(long seed) {
        return splitWrites(seed, Duration.ofNanos(100_000));
    }

    /** {@link #splitWrites(long)} with this pause between pieces ({@link Duration#ZERO}: back to back). */
    public StreamScript splitWrites(long seed, Duration pauseBetweenPieces) {
        StreamScript c = copy();
        c.splitSeed = seed;
        c.splitPause = pauseBetweenPieces;
        return c;
    }

    /** {@code \r\n} line ends. */
    public StreamScript crlf() {
        StreamScript c = copy();
        c.crlf = true;
        return c;
    }

    /** A {@code : OPENROUTER PROCESSING} comment and a blank line before every data event. */
    public StreamScript keepAliveComments() {
        StreamScript c = copy();
        c.comments = true;
        return c;
    }

    /** {@code data:{...}} instead of {@code data: {...}} (also for the default end marker). */
    public StreamScript noSpaceAfterColon() {
        StreamScript c = copy();
        c.noSpace = true;
        return c;
    }

    /** The end marker line, default {@code data: [DONE]}. */
    public StreamScript done(String line) {
        StreamScript c = copy();
        c.done = line;
        c.noDone = false;
        return c;
    }

    /** The stream ends cleanly after the last event, without an end marker. */
    public StreamScript noDone() {
        StreamScript c = copy();
        c.noDone = true;
        return c;
    }

    /** After this many data events, closes the socket abruptly: no end marker, no terminating zero chunk. */
    public StreamScript cutAfter(int events) {
        StreamScript c = copy();
        c.cutAfter = events;
        return c;
    }

    /**
     * After this many data events, sends nothing more but keeps the connection open until the peer closes it
     * or the simulator is closed.
     */
    public StreamScript stallAfter(int events) {
        StreamScript c = copy();
        c.stallAfter = events;
        return c;
    }

    /** Raw payloads appended after the chat chunks (e.g. an in-band error {@code {"error":{...}}}). */
    public StreamScript thenEvents(String... dataPayloads) {
        StreamScript c = copy();
        List<String> more = new ArrayList<>(tail);
        more.addAll(List.of(dataPayloads));
        c.tail = List.copyOf(more);
        return c;
    }

    /** No chunked framing: {@code Connection: close}, the body ends when the connection closes. */
    public StreamScript connectionClose() {
        StreamScript c = copy();
        c.connectionClose = true;
        return c;
    }

    /** The data payloads this script sends, in order (before any cut or stall). */
    public List<String> payloads() {
        List<String> all = new ArrayList<>(head);
        if (chat != null) {
            if (chat.chunks()) {
                boolean usageNull = usage != null;
                ObjectNode first = JSON.createObjectNode();
                first.put("role", "assistant");
                first.put("content", "");
                all.add(chunk(first, null, usageNull));
                for (String token : chat.tokens()) {
                    ObjectNode delta = JSON.createObjectNode();
                    delta.put("content", token);
                    all.add(chunk(delta, null, usageNull));
                }
                all.add(chunk(JSON.createObjectNode(), "stop", usageNull));
            }
            if (usage != null) {
                ObjectNode n = header();
                n.putArray("choices");
                ObjectNode u = n.putObject("usage");
                u.put("prompt_tokens", usage[0]);
                u.put("completion_tokens", usage[1]);
                u.put("total_tokens", usage[0] + usage[1]);
                all.add(n.toString());
            }
        }
        all.addAll(tail);
        return List.copyOf(all);
    }

    private ObjectNode header() {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", chat.id());
        n.put("object", "chat.completion.chunk");
        n.put("created", chat.created());
        n.put("model", chat.model());
        n.putNull("system_fingerprint");
        return n;
    }

    private String chunk(ObjectNode delta, String finishReason, boolean usageNull) {
        ObjectNode n = header();
        ArrayNode choices = n.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (usageNull) {
            n.putNull("usage");
        }
        return n.toString();
    }

    private String eol() {
        return crlf ? "\r\n" : "\n";
    }

    String dataEvent(String payload) {
        StringBuilder event = new StringBuilder();
        for (String line : payload.split("\r\n|\r|\n", -1)) {
            event.append(noSpace ? "data:" : "data: ").append(line).append(eol());
        }
        return event.append(eol()).toString();
    }

    String commentEvent() {
        return ": OPENROUTER PROCESSING" + eol() + eol();
    }

    String doneEvent() {
        String line = done != null ? done : (noSpace ? "data:[DONE]" : "data: [DONE]");
        return line + eol() + eol();
    }
}
