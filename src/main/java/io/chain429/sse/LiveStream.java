package io.chain429.sse;

import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.provider.ChunkReader;
import io.chain429.provider.StreamItem;
import java.util.List;

/**
 * A provider stream past its commit point, handed from the waterfall to the relay: the chunks read so far, and the
 * source and reader to read the rest with.
 *
 * @param complete      the whole stream has been read already ({@code complete} commit mode)
 * @param startedNanos  when the attempt started, for the total timeout
 */
public record LiveStream(SseSource source, ChunkReader reader, List<StreamItem.Chunk> buffered, boolean complete,
                         Timeouts timeouts, long startedNanos) {

    public LiveStream {
        buffered = List.copyOf(buffered);
    }
}
