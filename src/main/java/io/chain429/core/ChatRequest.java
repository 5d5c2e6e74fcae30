package io.chain429.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A client's chat-completions request, parsed once and never modified: adapters copy the body to shape it.
 *
 * @param model         what the client asked for: a chain name, a {@code provider/model} step, or anything else
 * @param receivedNanos {@link System#nanoTime()} when the request arrived, to report 429chain's own overhead
 */
public record ChatRequest(ObjectNode body, String model, boolean stream, long receivedNanos) {

    /** Exchange property holding the request. */
    public static final String PROPERTY = "chain429Request";
}
