package io.chain429.api;

import io.chain429.core.ApiException;
import io.chain429.core.OpenAiError;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Turns new requests away once a graceful shutdown has begun, with an OpenAI-shaped 503, while the requests already
 * in flight (streams included) finish.
 */
public final class ShutdownGate implements Processor {

    private final AtomicBoolean draining = new AtomicBoolean();

    /** From now on, new requests are refused. */
    public void close() {
        draining.set(true);
    }

    public boolean accepting() {
        return !draining.get();
    }

    @Override
    public void process(Exchange exchange) {
        if (draining.get()) {
            throw new ApiException(503, OpenAiError.server(
                    "429chain is shutting down; retry in a moment (or on another replica).", "shutting_down"), 5);
        }
    }
}
