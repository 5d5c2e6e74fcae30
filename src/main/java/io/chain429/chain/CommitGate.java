package io.chain429.chain;

import io.chain429.config.Durations;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.core.ClientLink;
import io.chain429.core.CommitMode;
import io.chain429.core.LiveStream;
import io.chain429.core.Outcome;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.core.StreamItem;
import io.chain429.provider.ChunkReader;
import io.chain429.provider.Provider;
import io.chain429.provider.ProviderAdapter;
import io.chain429.provider.UpstreamResponse;
import io.chain429.provider.UpstreamStream;
import io.chain429.sse.SseEvent;
import io.chain429.sse.SseSource;
import io.chain429.sse.StreamTimer;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Reads a provider's stream up to its commit point, before anything is sent to the client, so that everything that
 * can go wrong before it — an error status, an error event, a stream with no content, a first token that never comes,
 * and in {@code complete} mode a cut or stall anywhere — becomes an ordinary outcome and the waterfall moves on.
 *
 * <p>It runs on the stream's thread from the provider's headers on, and commits right there: in {@code first-event}
 * mode the first content event goes to the client the moment it is parsed, and the stream is handed to a
 * {@link LivePump}; the request's thread learns the outcome afterwards and records it. So the first token waits for
 * no other thread and for none of the waterfall's bookkeeping.
 */
public final class CommitGate implements SseSource.Listener {

    /** An error page or JSON body read where a stream was expected is capped: nothing in it is worth more. */
    static final int MAX_BODY = 1 << 20;

    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final ProviderAdapter adapter;
    private final String model;
    private final Timeouts timeouts;
    private final CommitMode mode;
    private final long startedNanos;
    private final long totalDeadline;
    private final Instant now;
    private final Waterfall waterfall;
    private final ClientLink client;
    private final SseWriter.Headers headers;
    private final Step step;
    // set on the stream's thread once the headers are in; read by the request's thread after that
    private volatile UpstreamStream stream;
    // the stream's thread's only
    private ChunkReader reader;
    private final List<StreamItem.Chunk> buffered = new ArrayList<>();
    private boolean content;
    private boolean finished;
    private long firstTokenDeadline;
    private long lastEventNanos;
    private boolean decided;
    private LivePump pump;
    private final StreamTimer timer = new StreamTimer();

    /**
     * @param startedNanos when the attempt started, on the clock of the stream's thread
     *                     ({@link io.chain429.sse.StreamThread#nanoTime()}): the total timeout counts from there
     */
    public CommitGate(Waterfall waterfall, Provider provider, Step step, ClientLink client, long startedNanos, Instant now) {
        this.adapter = provider.adapter();
        this.model = step.model();
        this.timeouts = provider.client().timeouts();
        this.mode = waterfall.commit();
        this.startedNanos = startedNanos;
        this.totalDeadline = startedNanos + timeouts.total().toNanos();
        this.now = now;
        this.waterfall = waterfall;
        this.client = client;
        this.headers = SseWriter.headersFor(waterfall, step, startedNanos);
        this.step = step;
    }

    /** Takes the provider's answer: runs on the stream's thread once its headers are in, before any of its body. */
    public void headers(UpstreamStream upstream) {
        this.stream = upstream;
        SseSource source = upstream.source();
        if (upstream.isSuccessfulEventStream()) {
            reader = adapter.chunkReader(model, now);
            source.pushTo(this);
            return;
        }
        timer.setAt(source.thread(), totalDeadline, () -> {
            decide(totalTimeout());
            source.close();
        });
        source.collect(MAX_BODY).whenComplete((body, failure) -> {
            timer.cancel();
            if (failure != null) {
                outcome.completeExceptionally(failure);
            } else {
                try {
                    outcome.complete(adapter.classify(new UpstreamResponse(upstream.status(), upstream.headers(), body), model, now));
                } catch (RuntimeException e) {
                    outcome.completeExceptionally(e);
                }
            }
        });
    }

    /** The provider's response headers; once {@link #headers} ran. */
    public HttpHeaders upstreamHeaders() {
        return stream.headers();
    }

    /**
     * Completes once the outcome is known (whichever it is): the stream committed and being relayed, read whole, or
     * failed before its commit point. Completes on the stream's thread, right after the first token went out.
     */
    public CompletionStage<CommitGate> decided() {
        return outcome.handle((decided, failure) -> this);
    }

    /**
     * The outcome, once {@link #decided()}: a failure, or a stream that is committed (being relayed already, or read
     * whole).
     */
    public Outcome outcome() throws IOException {
        if (!outcome.isDone()) {
            throw new IllegalStateException("the outcome was read before the gate decided it");
        }
        try {
            return outcome.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
        }
    }

    @Override
    public void attached() {
        long at = nanoTime();
        lastEventNanos = at;
        firstTokenDeadline = at + timeouts.firstToken().toNanos();
        arm();
    }

    @Override
    public void event(SseEvent event) {
        if (pump != null) {
            pump.event(event);
            return;
        }
        if (decided) {
            return; // a stream read whole: the rest is read only to keep its connection
        }
        lastEventNanos = nanoTime();
        StreamItem item;
        try {
            item = reader.read(event);
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        if (item instanceof StreamItem.Done) {
            ended(content, true);
        } else if (item instanceof StreamItem.Error error) {
            decide(content ? new Outcome.Failed(Reason.ERROR_EVENT, "the stream sent an error event before it finished")
                    : adapter.classifyStreamError(error.error(), now));
            stream.source().close();
        } else if (item instanceof StreamItem.Chunk chunk) {
            buffered.add(chunk);
            boolean firstContent = !content && chunk.carriesContent();
            content |= chunk.carriesContent();
            finished |= chunk.finishes();
            if (mode == CommitMode.FIRST_EVENT && chunk.carriesContent()) {
                commit();
            } else if (firstContent) {
                arm(); // read whole: from its first token on, a stall is timed by the idle timeout
            }
        }
    }

    @Override
    public void ended(IOException failure) {
        if (pump != null) {
            pump.ended(failure);
            return;
        }
        timer.cancel();
        if (decided) {
            return;
        }
        if (failure != null && content) {
            decide(new Outcome.Failed(Reason.STREAM_CUT, "the provider closed the connection mid-stream"));
            stream.source().close();
        } else if (failure != null) {
            fail(failure);
        } else {
            ended(false, false);
        }
    }

    /** The end marker, or the end of the body: a stream read whole, or one that ended too soon. */
    private void ended(boolean contentThenDone, boolean marker) {
        if (finished || contentThenDone) {
            decide(new Outcome.Streaming(new LiveStream(buffered, null)));
            if (marker) {
                stream.source().drain();
            }
            return;
        }
        decide(content ? new Outcome.Failed(Reason.STREAM_CUT, "the stream ended before it finished")
                : new Outcome.Failed(Reason.MALFORMED_RESPONSE, "the stream ended without content"));
        stream.source().close();
    }

    /** The first content event is in: the client gets it now, and the rest as it comes. */
    private void commit() {
        timer.cancel();
        decided = true;
        pump = new LivePump(new SseWriter(client, waterfall), headers, step, stream.source(), reader, List.copyOf(buffered), timeouts, startedNanos);
        waterfall.relaying(pump.result);
        pump.attached();
        outcome.complete(new Outcome.Streaming(new LiveStream(buffered, pump.result)));
    }

    private void decide(Outcome decided) {
        this.decided = true;
        timer.cancel();
        outcome.complete(decided);
    }

    private void fail(Throwable failure) {
        decided = true;
        timer.cancel();
        stream.source().close();
        outcome.completeExceptionally(failure);
    }

    /** The first-token deadline until content came, then (a stream read whole) the idle one; the total one throughout. */
    private void arm() {
        long deadline = content ? Math.min(lastEventNanos + timeouts.idle().toNanos(), totalDeadline) : Math.min(firstTokenDeadline, totalDeadline);
        timer.setAt(stream.source().thread(), deadline, this::timeUp);
    }

    private void timeUp() {
        if (decided) {
            return;
        }
        long at = nanoTime();
        if (at - totalDeadline >= 0) {
            decide(totalTimeout());
        } else if (content && at - lastEventNanos >= timeouts.idle().toNanos()) {
            decide(new Outcome.Failed(Reason.IDLE_TIMEOUT, "the stream stalled: no event for " + Durations.format(timeouts.idle())
                    + " (timeouts.idle) before it finished"));
        } else if (!content && at - firstTokenDeadline >= 0) {
            decide(new Outcome.Failed(Reason.FIRST_TOKEN_TIMEOUT, "no token within " + Durations.format(timeouts.firstToken())
                    + " of the response headers (timeouts.firstToken)"));
        } else {
            arm();
            return;
        }
        stream.source().close();
    }

    /** The stream's thread's clock, which its timers run on; {@code startedNanos} was read from the same one. */
    private long nanoTime() {
        return stream.source().thread().nanoTime();
    }

    private Outcome.Failed totalTimeout() {
        return new Outcome.Failed(Reason.TOTAL_TIMEOUT, "no complete answer within " + Durations.format(timeouts.total())
                + " (timeouts.total)");
    }
}
