package io.chain429.chain;

import io.chain429.config.Durations;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.core.LiveStream;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.core.StreamItem;
import io.chain429.provider.ChunkReader;
import io.chain429.sse.SseEvent;
import io.chain429.sse.SseSource;
import io.chain429.sse.StreamTimer;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a committed stream on the thread that delivers its body (the provider connection's event loop): each event is
 * normalized and written to the client as it is parsed, with no hand-off to another thread, which is what lets an
 * event reach the client a fraction of a millisecond after the provider sent it. The idle and total timeouts are one
 * timer per stream, re-armed only when it fires; a client that reads slower than the provider writes pauses the
 * upstream read.
 *
 * <p>Runs on the stream's thread only, from the commit point on ({@link CommitGate} hands the stream over);
 * {@link #result} is how the request's thread learns how it ended.
 */
final class LivePump implements SseSource.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(LivePump.class);
    /** A client that takes nothing for this long is treated as gone. */
    private static final long STALLED_CLIENT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Completes when the client's response has ended. */
    final CompletableFuture<LiveStream.Relayed> result = new CompletableFuture<>();

    private final SseWriter writer;
    private final SseWriter.Headers headers;
    private final Step step;
    private final SseSource source;
    private final ChunkReader reader;
    private final List<StreamItem.Chunk> buffered;
    private final Timeouts timeouts;
    private final long idleNanos;
    private final long totalDeadline;
    private boolean finished; // a chunk carried a finish reason
    private boolean over; // the client's response is done with; what is left of the body is drained or dropped
    private long lastEventNanos;
    private long pausedSince; // 0 unless waiting for room in the client's connection
    private final StreamTimer timer = new StreamTimer();

    /**
     * @param headers       the headers that commit the stream
     * @param buffered      the chunks read before the commit point, the first content among them
     * @param startedNanos  when the attempt started, on the stream thread's clock: the total timeout counts from there
     */
    LivePump(SseWriter writer, SseWriter.Headers headers, Step step, SseSource source, ChunkReader reader,
             List<StreamItem.Chunk> buffered, Timeouts timeouts, long startedNanos) {
        this.writer = writer;
        this.headers = headers;
        this.step = step;
        this.source = source;
        this.reader = reader;
        this.buffered = buffered;
        this.timeouts = timeouts;
        this.idleNanos = timeouts.idle().toNanos();
        this.totalDeadline = startedNanos + timeouts.total().toNanos();
    }

    /** Commits: the client gets the headers and the chunks read so far, at once. */
    @Override
    public void attached() {
        guarded(() -> {
            writer.commit(headers);
            lastEventNanos = now();
            for (StreamItem.Chunk chunk : buffered) {
                write(chunk);
            }
            if (!over) {
                arm();
            }
        });
    }

    @Override
    public void event(SseEvent event) {
        if (over) {
            return; // after [DONE]: the rest of the body is read only to keep its connection
        }
        guarded(() -> {
            lastEventNanos = now();
            StreamItem item = reader.read(event);
            if (item instanceof StreamItem.Done) {
                end(null);
            } else if (item instanceof StreamItem.Error) {
                end(Reason.of(Reason.ERROR_EVENT, "the provider reported an error in the middle of the stream"));
            } else if (item instanceof StreamItem.Chunk chunk) {
                write(chunk);
            }
        });
    }

    @Override
    public void ended(IOException failure) {
        timer.cancel();
        if (over) {
            return; // the drained body of a finished stream, or the close that cut its drain short
        }
        guarded(() -> {
            if (failure instanceof SseSource.ClosedException) {
                leave(); // the client went away, and its call with it
            } else if (failure != null) {
                end(Reason.of(Reason.STREAM_CUT, "the connection to the provider was lost mid-stream"));
            } else {
                // a provider that just closes after its finish reason still gets its [DONE]
                end(finished ? null : Reason.of(Reason.STREAM_CUT, "the provider's stream was cut before it finished"));
            }
        });
    }

    private void write(StreamItem.Chunk chunk) {
        finished |= chunk.finishes();
        if (writer.chunk(chunk)) {
            return;
        }
        if (writer.gone()) {
            leave();
            return;
        }
        // the client reads slower than the provider writes: stop reading the provider until there is room
        source.pause();
        pausedSince = now();
        writer.onRoom(() -> source.thread().execute(this::roomAgain));
    }

    private void roomAgain() {
        if (!over && pausedSince != 0) {
            pausedSince = 0;
            lastEventNanos = now(); // the provider was not asked for anything meanwhile
            source.resume();
        }
    }

    /** Ends the client's response, well ({@code failure} null) or with an error event, and reports the outcome. */
    private void end(Reason failure) {
        over = true;
        timer.cancel();
        writer.end(failure == null ? null : failure.detail());
        result.complete(new LiveStream.Relayed(failure, writer.usage()));
        if (failure == null) {
            source.drain();
        } else {
            source.close();
        }
    }

    /** The client left, or stopped reading: nothing to tell anyone. */
    private void leave() {
        over = true;
        timer.cancel();
        source.close();
        writer.close();
        result.complete(new LiveStream.Relayed(null, writer.usage()));
    }

    private void arm() {
        long deadline = pausedSince != 0
                ? Math.min(pausedSince + STALLED_CLIENT_NANOS, totalDeadline)
                : Math.min(lastEventNanos + idleNanos, totalDeadline);
        timer.setAt(source.thread(), deadline, this::timeUp);
    }

    private void timeUp() {
        if (over) {
            return;
        }
        guarded(() -> {
            long now = now();
            if (now - totalDeadline >= 0) {
                end(Reason.of(Reason.TOTAL_TIMEOUT, "the provider's stream exceeded the total timeout of " + Durations.format(timeouts.total())));
            } else if (pausedSince != 0 && now - pausedSince >= STALLED_CLIENT_NANOS) {
                leave();
            } else if (pausedSince == 0 && now - lastEventNanos >= idleNanos) {
                end(Reason.of(Reason.IDLE_TIMEOUT, "the provider sent nothing for " + Durations.format(timeouts.idle()) + " mid-stream"));
            } else {
                arm();
            }
        });
    }

    /** The clock the stream's timers run on, which the deadlines must share. */
    private long now() {
        return source.thread().nanoTime();
    }

    /** A failure of 429chain's own while relaying ends the stream with an error event rather than leaving it hanging. */
    private void guarded(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.error("relaying the stream of {} failed", step, e);
            if (!over) {
                end(Reason.of(Reason.INTERNAL_ERROR, "429chain could not relay the stream"));
            }
        }
    }
}
