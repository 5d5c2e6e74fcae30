package io.chain429.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.chain.CommitGate;
import io.chain429.chain.SseWriter;
import io.chain429.chain.Waterfall;
import io.chain429.core.Attempt;
import io.chain429.core.ClientLink;
import io.chain429.core.EventLoops;
import io.chain429.core.Json;
import io.chain429.core.LiveStream;
import io.chain429.core.Outcome;
import io.chain429.core.Reason;
import io.chain429.core.StreamItem;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.StepBreakers;
import io.chain429.sse.StreamThread;
import io.vertx.core.Context;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes a streamed answer: waits for a live stream's relay to end, or writes a stream read whole. It streams a
 * committed answer to the client as Server-Sent Events: headers first, then every provider event written
 * and flushed as it arrives. A stream that fails after the commit point ends with one error event and without
 * {@code data: [DONE]}, and the failure counts against the provider.
 *
 * <p>A live stream is being relayed already, on its own connection's event loop, since its {@link CommitGate} saw the
 * first content (chain.LivePump); the route goes on when the relay has ended, with no thread held meanwhile: on the
 * event loop it came from, or on a request thread when it came from one. A stream read whole before the commit
 * ({@code commit: complete}), or a JSON answer re-told as a stream, is written from a request thread, since it waits
 * while the client's connection is full.
 */
public final class FinishStream extends AsyncProcessorSupport {

    private static final Logger LOG = LoggerFactory.getLogger(FinishStream.class);
    /** A client that takes nothing for this long is treated as gone. */
    private static final long STALLED_CLIENT_SECONDS = 30;

    private final ProviderState state;
    private final StepBreakers breakers;
    private final OpenStreams openStreams;
    private final Executor requestThreads;

    public FinishStream(ProviderState state, StepBreakers breakers, OpenStreams openStreams, Executor requestThreads) {
        this.state = state;
        this.breakers = breakers;
        this.openStreams = openStreams;
        this.requestThreads = requestThreads;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        List<Attempt> attempts = waterfall.attempts();
        Attempt served = attempts.get(attempts.size() - 1);
        Optional<Context> loop = EventLoops.current();
        openStreams.opened();
        if (served.outcome() instanceof Outcome.Streaming streaming && !streaming.stream().complete()) {
            // the relay ends on the stream's own thread: the route goes on after the I/O that loop has in hand
            Executor next = loop.<Executor>map(context -> StreamThread.of(context)::execute).orElse(requestThreads);
            streaming.stream().relayed().whenComplete((relayed, failure) -> next.execute(() -> {
                try {
                    if (failure != null) {
                        exchange.setException(failure);
                    } else {
                        ended(waterfall, served, relayed);
                    }
                } catch (RuntimeException e) {
                    exchange.setException(e);
                } finally {
                    openStreams.closed();
                }
                callback.done(false);
            }));
            return false;
        }
        if (loop.isPresent()) {
            requestThreads.execute(() -> {
                writeFromThisThread(exchange, waterfall, served);
                callback.done(false);
            });
            return false;
        }
        writeFromThisThread(exchange, waterfall, served);
        callback.done(true);
        return true;
    }

    /** A relayed stream's end (its own timeouts end it): a failure after the commit counts against the provider. */
    private void ended(Waterfall waterfall, Attempt served, LiveStream.Relayed relayed) {
        if (relayed.failure() != null) {
            failed(waterfall, served, relayed.failure());
        }
        waterfall.answered(200, relayed.usage());
    }

    /** Writes a stream read whole, or a JSON answer re-told as a stream; waits while the client's connection is full. */
    private void writeFromThisThread(Exchange exchange, Waterfall waterfall, Attempt served) {
        SseWriter writer = new SseWriter(exchange.getProperty(ClientLink.PROPERTY, ClientLink.class), waterfall);
        try {
            if (served.outcome() instanceof Outcome.Streaming streaming) {
                writeWhole(writer, served, streaming.stream());
            } else {
                replay(writer, served, ((Outcome.Success) served.outcome()).completion());
            }
            waterfall.answered(200, writer.usage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.setException(e);
        } catch (RuntimeException e) {
            exchange.setException(e);
        } finally {
            writer.close(); // else Camel writes a response of its own over the stream's head
            openStreams.closed();
        }
    }

    private void failed(Waterfall waterfall, Attempt served, Reason failure) {
        waterfall.streamFailed(failure);
        LOG.warn("{} failed after the stream was committed: {}", served.step(), failure);
        if (failure.code().equals(Reason.INTERNAL_ERROR)) {
            return; // 429chain's own: nothing to hold against the provider
        }
        state.recordFailure(served.step(), failure);
        breakers.failed(served.step(), failure);
    }

    /** A stream read whole before the commit point ({@code commit: complete}), replayed as the provider sent it. */
    private static void writeWhole(SseWriter writer, Attempt served, LiveStream stream) throws InterruptedException {
        writer.commit(served);
        for (StreamItem.Chunk chunk : stream.buffered()) {
            if (!room(writer, writer.chunk(chunk))) {
                return;
            }
        }
        writer.end(null);
    }

    /** A complete JSON answer to a streaming request, re-told as one chunk (and the usage chunk, if asked for). */
    private static void replay(SseWriter writer, Attempt served, ObjectNode completion) throws InterruptedException {
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
        writer.commit(served);
        if (!room(writer, writer.json(chunk))) {
            return;
        }
        if (completion.path("usage").isObject() && !room(writer, writer.usageChunk(chunk, completion.get("usage")))) {
            return;
        }
        writer.end(null);
    }

    /**
     * After a write from the request's thread: waits while the client's connection is full.
     *
     * @return false when the client is gone or took nothing for too long
     */
    private static boolean room(SseWriter writer, boolean written) throws InterruptedException {
        if (written) {
            return true;
        }
        if (writer.gone()) {
            return false;
        }
        CompletableFuture<Void> room = new CompletableFuture<>();
        writer.onRoom(() -> room.complete(null));
        try {
            room.get(STALLED_CLIENT_SECONDS, TimeUnit.SECONDS);
            return !writer.gone();
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }
}
