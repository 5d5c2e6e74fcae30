package io.chain429.sse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.api.ClientLink;
import io.chain429.api.Json;
import io.chain429.api.OpenAiError;
import io.chain429.chain.Attempt;
import io.chain429.chain.Outcome;
import io.chain429.chain.Waterfall;
import io.chain429.provider.StreamItem;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.StepBreakers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a committed answer to the client as Server-Sent Events: headers first, then every provider event written
 * and flushed as it arrives. A stream that fails after the commit point ends with one error event and without
 * {@code data: [DONE]}, so that clients raise an error instead of keeping a truncated answer as if it were whole.
 */
public final class SseRelay implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(SseRelay.class);
    private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");
    /** How long to wait for the rest of a finished stream's body, to keep its connection for the next request. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ProviderState state;
    private final StepBreakers breakers;
    private final OpenStreams openStreams;

    public SseRelay(ProviderState state, StepBreakers breakers, OpenStreams openStreams) {
        this.state = state;
        this.breakers = breakers;
        this.openStreams = openStreams;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        ClientLink client = exchange.getProperty(ClientLink.PROPERTY, ClientLink.class);
        List<Attempt> attempts = waterfall.attempts();
        Attempt served = attempts.get(attempts.size() - 1);
        boolean includeUsage = waterfall.request().body().path("stream_options").path("include_usage").asBoolean(false);
        Relay relay = new Relay(client, waterfall, includeUsage);
        openStreams.opened();
        try {
            relay.commit(served);
            if (served.outcome() instanceof Outcome.Streaming streaming) {
                String failure = relay.pump(streaming.stream());
                if (failure != null) {
                    waterfall.streamFailed(failure);
                    state.recordFailure(served.step().providerId(), failure);
                    breakers.failed(served.step(), failure);
                    LOG.warn("{} failed after the stream was committed: {}", served.step(), failure);
                }
            } else {
                relay.replay(((Outcome.Success) served.outcome()).completion());
            }
        } finally {
            // Camel writes its own response for any exchange whose response is not ended, over our stream's head.
            relay.close();
            openStreams.closed();
        }
        waterfall.answered(200, relay.usage);
    }

    /** One stream's writer. Runs on the request's thread only. */
    private static final class Relay {
        private final ClientLink client;
        private final HttpServerResponse response;
        private final Waterfall waterfall;
        private final boolean includeUsage;
        private JsonNode usage;

        Relay(ClientLink client, Waterfall waterfall, boolean includeUsage) {
            this.client = client;
            this.response = client.response();
            this.waterfall = waterfall;
            this.includeUsage = includeUsage;
        }

        void commit(Attempt served) {
            response.setStatusCode(200).setChunked(true);
            response.putHeader("Content-Type", "text/event-stream");
            response.putHeader("Cache-Control", "no-cache");
            if (!client.http2()) {
                response.putHeader("Connection", "keep-alive");
            }
            response.putHeader("X-Accel-Buffering", "no");
            response.putHeader("X-429chain-Provider", served.step().toString());
            response.putHeader("X-429chain-Attempts", String.valueOf(waterfall.sentCount()));
            response.putHeader("X-429chain-Overhead-Ms", waterfall.overheadHeader());
            waterfall.committed(System.nanoTime());
        }

        /** @return null when the stream ended well (or the client left), else why it failed */
        String pump(LiveStream stream) throws InterruptedException {
            try {
                return relay(stream);
            } catch (SseSource.ClosedException | ClientGoneException e) {
                return null; // the client left: nothing to tell anyone
            } finally {
                stream.source().close();
            }
        }

        private String relay(LiveStream stream) throws SseSource.ClosedException, ClientGoneException, InterruptedException {
            for (StreamItem.Chunk chunk : stream.buffered()) {
                write(chunk);
            }
            if (stream.complete()) {
                return end(null);
            }
            boolean finished = stream.buffered().stream().anyMatch(StreamItem.Chunk::finishes);
            long idle = stream.timeouts().idle().toNanos();
            long totalDeadline = stream.startedNanos() + stream.timeouts().total().toNanos();
            while (true) {
                long left = totalDeadline - System.nanoTime();
                SseEvent event;
                try {
                    event = stream.source().next(Math.min(idle, left));
                } catch (TimeoutException e) {
                    return end(left <= idle
                            ? "the provider's stream exceeded the total timeout of " + readable(stream.timeouts().total())
                            : "the provider sent nothing for " + readable(stream.timeouts().idle()));
                } catch (SseSource.ClosedException e) {
                    throw e;
                } catch (IOException e) {
                    return end("the connection to the provider was lost");
                }
                StreamItem item = event == null ? null : stream.reader().read(event);
                if (item instanceof StreamItem.Done || (event == null && finished)) {
                    String ended = end(null); // a provider that just closes after its finish reason still gets its [DONE]
                    stream.source().drain(DRAIN_NANOS);
                    return ended;
                }
                if (event == null) {
                    return end("the provider's stream was cut before it finished");
                }
                if (item instanceof StreamItem.Error) {
                    return end("the provider reported an error in the middle of the stream");
                }
                if (item instanceof StreamItem.Chunk chunk) {
                    finished |= chunk.finishes();
                    write(chunk);
                }
            }
        }

        /** A complete JSON answer to a streaming request, re-told as a stream of chunks. */
        void replay(ObjectNode completion) {
            ObjectNode chunk = Json.object();
            chunk.put("id", completion.path("id").asText());
            chunk.put("object", "chat.completion.chunk");
            chunk.put("created", completion.path("created").asLong());
            chunk.put("model", completion.path("model").asText());
            var choices = chunk.putArray("choices");
            for (JsonNode choice : completion.path("choices")) {
                ObjectNode out = choices.addObject().put("index", choice.path("index").asInt());
                ObjectNode delta = out.putObject("delta");
                choice.path("message").fields().forEachRemaining(field -> delta.set(field.getKey(), field.getValue()));
                out.set("finish_reason", choice.path("finish_reason"));
            }
            try {
                writeJson(chunk);
                if (completion.path("usage").isObject()) {
                    usage = completion.get("usage");
                    if (includeUsage) {
                        ObjectNode usageChunk = chunk.deepCopy();
                        usageChunk.putArray("choices");
                        usageChunk.set("usage", usage);
                        writeJson(usageChunk);
                    }
                }
                end(null);
            } catch (ClientGoneException | InterruptedException e) {
                // the client left
            }
        }

        private void write(StreamItem.Chunk chunk) throws ClientGoneException, InterruptedException {
            ObjectNode json = chunk.chunk();
            if (json.path("usage").isObject()) {
                usage = json.get("usage");
            }
            if (!includeUsage) {
                // 429chain reads usage for its own accounting; the client only gets it when it asked
                if (chunk.usageOnly()) {
                    return;
                }
                json.remove("usage");
            }
            writeJson(json);
        }

        private void writeJson(ObjectNode json) throws ClientGoneException, InterruptedException {
            send(Buffer.buffer("data: ").appendBytes(Json.bytes(json)).appendString("\n\n"));
        }

        /** Ends the response: with [DONE] when the stream ended well, else with one error event and no [DONE]. */
        private String end(String failure) throws ClientGoneException, InterruptedException {
            if (failure == null) {
                send(DONE);
            } else {
                ObjectNode error = OpenAiError.server(failure + "; the answer above is incomplete.", "upstream_stream_error").toJson();
                // "event: error" too: LangChain4j only raises on a named error event; OpenAI's SDKs raise on the data
                send(Buffer.buffer("event: error\ndata: " + error + "\n\n", StandardCharsets.UTF_8.name()));
            }
            close();
            return failure;
        }

        void close() {
            if (!response.ended()) {
                try {
                    response.end();
                } catch (IllegalStateException closedAlready) {
                    // the connection is gone; nothing left to end
                }
            }
        }

        /** Writes one event; waits while the client reads slower than the provider writes. */
        private void send(Buffer event) throws ClientGoneException, InterruptedException {
            if (client.gone()) {
                throw new ClientGoneException();
            }
            try {
                response.write(event);
                if (response.writeQueueFull()) {
                    CompletableFuture<Void> drained = new CompletableFuture<>();
                    response.drainHandler(v -> drained.complete(null));
                    if (response.writeQueueFull()) {
                        drained.get(30, TimeUnit.SECONDS);
                    }
                }
            } catch (IllegalStateException | java.util.concurrent.ExecutionException | TimeoutException e) {
                throw new ClientGoneException(); // response closed under us, or a client that stopped reading
            }
        }
    }

    private static String readable(java.time.Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }

    private static final class ClientGoneException extends Exception {
        ClientGoneException() {
            super(null, null, false, false);
        }
    }
}
