package io.chain429.sse;

import io.chain429.chain.CommitMode;
import io.chain429.chain.Outcome;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.provider.ChunkReader;
import io.chain429.provider.ProviderAdapter;
import io.chain429.provider.StreamItem;
import io.chain429.provider.UpstreamResponse;
import io.chain429.provider.UpstreamStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Reads a provider's stream up to its commit point, before anything is sent to the client, so that everything that
 * can go wrong before it — an error status, an error event, a stream with no content, a first token that never comes,
 * and in {@code complete} mode a cut or stall anywhere — becomes an ordinary outcome and the waterfall moves on.
 */
public final class CommitGate {

    /** An error page or JSON body read where a stream was expected is capped: nothing in it is worth more. */
    static final int MAX_BODY = 1 << 20;
    private static final long DRAIN_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    private CommitGate() {
    }

    public static Outcome await(UpstreamStream stream, ProviderAdapter adapter, String model, Timeouts timeouts,
                                CommitMode mode, long startedNanos, Instant now)
            throws IOException, TimeoutException, InterruptedException {
        long totalDeadline = startedNanos + timeouts.total().toNanos();
        if (!stream.isSuccessfulEventStream()) {
            byte[] body = stream.source().readAll(MAX_BODY, totalDeadline - System.nanoTime());
            return adapter.classify(new UpstreamResponse(stream.status(), stream.headers(), body), model, now);
        }
        SseSource source = stream.source();
        ChunkReader reader = adapter.chunkReader(model, now);
        List<StreamItem.Chunk> buffered = new ArrayList<>();
        long firstTokenDeadline = System.nanoTime() + timeouts.firstToken().toNanos();
        boolean content = false;
        boolean finished = false;
        while (true) {
            long wait = content
                    ? Math.min(timeouts.idle().toNanos(), totalDeadline - System.nanoTime())
                    : Math.min(firstTokenDeadline, totalDeadline) - System.nanoTime();
            SseEvent event;
            try {
                event = source.next(wait);
            } catch (TimeoutException e) {
                source.close();
                return content
                        ? new Outcome.Failed("stream stalled before it finished")
                        : new Outcome.Failed("no token within the first-token timeout", true);
            } catch (IOException e) {
                source.close();
                throw e;
            }
            StreamItem item = event == null ? null : reader.read(event);
            if (event == null || item instanceof StreamItem.Done) {
                if (finished || (content && item instanceof StreamItem.Done)) {
                    source.drain(DRAIN_NANOS);
                    return new Outcome.Streaming(new LiveStream(source, reader, buffered, true, timeouts, startedNanos));
                }
                source.close();
                return new Outcome.Failed(content ? "stream cut before it finished" : "stream ended without content");
            }
            if (item instanceof StreamItem.Error error) {
                source.close();
                return content ? new Outcome.Failed("error event in the stream") : adapter.classifyStreamError(error.error(), now);
            }
            if (item instanceof StreamItem.Chunk chunk) {
                buffered.add(chunk);
                content |= chunk.carriesContent();
                finished |= chunk.finishes();
                if (mode == CommitMode.FIRST_EVENT && chunk.carriesContent()) {
                    return new Outcome.Streaming(new LiveStream(source, reader, buffered, false, timeouts, startedNanos));
                }
            }
        }
    }
}
