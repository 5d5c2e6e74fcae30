package io.chain429.core;

import java.util.List;
import java.util.Optional;

/**
 * When a streamed answer is committed to the client. Before the commit point every failure still waterfalls to the
 * next step; after it, a failure can only end the stream with an error event.
 */
public enum CommitMode {
    /** At the provider's first content event: the lowest time to first token (the default). */
    FIRST_EVENT("first-event"),
    /** Only once the provider's whole stream has arrived intact: a cut or stall anywhere still waterfalls. */
    COMPLETE("complete");

    public static final List<String> NAMES = List.of("first-event", "complete");

    private final String text;

    CommitMode(String text) {
        this.text = text;
    }

    public static Optional<CommitMode> parse(String text) {
        for (CommitMode mode : values()) {
            if (mode.text.equals(text)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return text;
    }
}
