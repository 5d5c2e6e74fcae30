package io.chain429.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.Attempt;
import io.chain429.core.ClientLink;
import io.chain429.core.Json;
import io.chain429.core.OpenAiError;
import io.chain429.core.Step;
import io.chain429.core.StreamItem;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client's side of a stream: its headers, its events, and how it ends — with {@code data: [DONE]} when the stream
 * ended well, else with one error event and no {@code [DONE]}, so that clients raise an error instead of keeping a
 * truncated answer as if it were whole. Used by one thread at a time.
 */
public final class SseWriter {

    private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

    private final ClientLink client;
    private final HttpServerResponse response;
    private final Waterfall waterfall;
    private final boolean includeUsage;
    private JsonNode usage;
    private boolean gone;

    public SseWriter(ClientLink client, Waterfall waterfall) {
        this.client = client;
        this.response = client.response();
        this.waterfall = waterfall;
        this.includeUsage = waterfall.request().body().path("stream_options").path("include_usage").asBoolean(false);
    }

    /** Commits the waterfall's last attempt: the status and headers go out, and the waterfall is over. */
    public void commit(Attempt served) {
        commit(served.step().toString(), waterfall.sentCount(), waterfall.overheadHeader());
    }

    /**
     * The headers that commit the attempt about to start, taken by the route before it starts: the attempt
     * counts as sent, and the overhead is 429chain's time up to its start (from there on it is the provider's).
     * {@link #commit(Headers)} sends them later, on the stream's thread.
     */
    static Headers headersFor(Waterfall waterfall, Step step, long attemptStartedNanos) {
        return new Headers(step.toString(), waterfall.sentCount() + 1, waterfall.overheadHeader(attemptStartedNanos));
    }

    record Headers(String provider, int attempts, String overheadMillis) {
    }

    void commit(Headers headers) {
        commit(headers.provider(), headers.attempts(), headers.overheadMillis());
    }

    private void commit(String provider, int attempts, String overheadMillis) {
        response.setStatusCode(200).setChunked(true);
        response.putHeader("Content-Type", "text/event-stream");
        response.putHeader("Cache-Control", "no-cache");
        if (!client.http2()) {
            response.putHeader("Connection", "keep-alive");
        }
        response.putHeader("X-Accel-Buffering", "no");
        response.putHeader("X-429chain-Provider", provider);
        response.putHeader("X-429chain-Attempts", String.valueOf(attempts));
        response.putHeader("X-429chain-Overhead-Ms", overheadMillis);
        waterfall.committed(System.nanoTime());
    }

    /**
     * Writes one provider chunk, with its usage only when the client asked for it.
     *
     * @return false when the client's connection is full (see {@link #onRoom}) or gone
     */
    public boolean chunk(StreamItem.Chunk chunk) {
        ObjectNode json = chunk.chunk();
        if (json.path("usage").isObject()) {
            usage = json.get("usage");
        }
        if (!includeUsage) {
            // 429chain reads usage for its own accounting; the client only gets it when it asked
            if (chunk.usageOnly()) {
                return !gone();
            }
            json.remove("usage");
        }
        return json(json);
    }

    /** Writes one event carrying this JSON; false as for {@link #chunk}. */
    public boolean json(ObjectNode json) {
        byte[] bytes = Json.bytes(json);
        return send(Buffer.buffer(bytes.length + 8).appendString("data: ").appendBytes(bytes).appendString("\n\n"));
    }

    /** Writes the usage chunk of a complete answer re-told as a stream, if the client asked for usage. */
    public boolean usageChunk(ObjectNode chunk, JsonNode completionUsage) {
        usage = completionUsage;
        if (!includeUsage) {
            return !gone();
        }
        ObjectNode usageChunk = chunk.deepCopy();
        usageChunk.putArray("choices");
        usageChunk.set("usage", completionUsage);
        return json(usageChunk);
    }

    /** Ends the response: with [DONE] when {@code failure} is null, else with one error event saying why. */
    public void end(String failure) {
        Buffer last;
        if (failure == null) {
            last = DONE;
        } else {
            ObjectNode error = OpenAiError.server(failure + "; the answer above is incomplete.", "upstream_stream_error").toJson();
            // "event: error" too: LangChain4j only raises on a named error event; OpenAI's SDKs raise on the data
            last = Buffer.buffer("event: error\ndata: " + error + "\n\n", StandardCharsets.UTF_8.name());
        }
        if (gone() || response.ended()) {
            close();
            return;
        }
        try {
            // the last event and the end of the chunked body in one write: one system call, one wake-up of the client
            response.end(last);
        } catch (IllegalStateException closed) {
            gone = true; // the response was closed under us
        }
    }

    /** Ends the response if nothing did. Camel would otherwise write its own response over the stream's head. */
    public void close() {
        if (!response.ended()) {
            try {
                response.end();
            } catch (IllegalStateException closedAlready) {
                // the connection is gone; nothing left to end
            }
        }
    }

    /** Runs the action once the client's connection can take more: at once, or from the connection's event loop. */
    public void onRoom(Runnable action) {
        AtomicBoolean done = new AtomicBoolean();
        Runnable once = () -> {
            if (done.compareAndSet(false, true)) {
                action.run();
            }
        };
        response.drainHandler(drained -> once.run());
        if (!response.writeQueueFull()) {
            once.run(); // drained before the handler was in place
        }
    }

    public boolean gone() {
        return gone || client.gone();
    }

    /** The usage the provider reported, whether or not the client got it. */
    public JsonNode usage() {
        return usage;
    }

    private boolean send(Buffer event) {
        if (gone()) {
            return false;
        }
        try {
            response.write(event);
            return !response.writeQueueFull();
        } catch (IllegalStateException closed) {
            gone = true; // the response was closed under us
            return false;
        }
    }
}
