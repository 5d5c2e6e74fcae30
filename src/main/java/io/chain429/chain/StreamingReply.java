package io.chain429.chain;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * Whether the waterfall's answer goes to the client as an event stream: a streaming request that a provider answered.
 * The API route's choice names it with the {@code ref} language; a {@code simple} expression calling
 * {@link Waterfall#isStreamingReply()} would resolve that method by reflection on every request.
 */
public final class StreamingReply implements Predicate {

    @Override
    public boolean matches(Exchange exchange) {
        return exchange.getProperty(Waterfall.PROPERTY, Waterfall.class).isStreamingReply();
    }
}
