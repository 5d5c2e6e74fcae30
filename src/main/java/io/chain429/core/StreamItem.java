package io.chain429.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One provider stream event, read by the step's adapter. */
public sealed interface StreamItem {

    /**
     * A {@code chat.completion.chunk}, already normalized.
     *
     * @param carriesContent it has content, a role, a tool call or a finish reason: the commit point is reached
     * @param finishes       it carries a finish reason
     * @param usageOnly      it carries only usage (no choices)
     */
    record Chunk(ObjectNode chunk, boolean carriesContent, boolean finishes, boolean usageOnly) implements StreamItem {
    }

    /** The provider's end marker ({@code data: [DONE]} in any spelling). */
    record Done() implements StreamItem {
    }

    /** An in-band {@code data: {"error": …}} event. */
    record Error(ProviderError error) implements StreamItem {
    }

    /** Not JSON, or JSON that is no chunk: skipped. */
    record Malformed() implements StreamItem {
    }
}
