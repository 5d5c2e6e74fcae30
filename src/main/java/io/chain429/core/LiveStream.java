package io.chain429.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A provider stream past its commit point, as the waterfall hands it to the relay: either already being relayed to the
 * client ({@code commit: first-event}), or read whole and not yet sent ({@code commit: complete}).
 *
 * @param buffered the chunks read before the commit point: for a stream read whole, all of them
 * @param relayed  for a stream being relayed, completes when its relay ended; null for a stream read whole
 */
public record LiveStream(List<StreamItem.Chunk> buffered, CompletableFuture<Relayed> relayed) {

    /**
     * How a relayed stream ended.
     *
     * @param failure null when the stream ended well or the client left, else why it failed
     * @param usage   the token usage the provider reported, or null
     */
    public record Relayed(Reason failure, JsonNode usage) {
    }

    public LiveStream {
        buffered = List.copyOf(buffered);
    }

    /** The whole stream was read before the commit point, and nothing of it sent yet. */
    public boolean complete() {
        return relayed == null;
    }
}
