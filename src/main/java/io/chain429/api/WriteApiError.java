package io.chain429.api;

import io.chain429.chain.Waterfall;
import io.chain429.core.ApiException;
import io.chain429.core.OpenAiError;
import java.util.concurrent.CompletableFuture;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's error handler: an {@link ApiException} becomes its OpenAI-shaped error; anything else is a 429chain
 * bug, logged here and answered with a plain 500 that reveals nothing of the failure.
 *
 * <p>Asynchronous for a stream already committed: the request ends when the stream does, without a thread waiting for
 * it (the route may be on the event loop that relays that very stream).
 */
public final class WriteApiError extends AsyncProcessorSupport {

    private static final Logger LOG = LoggerFactory.getLogger(WriteApiError.class);

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        if (waterfall != null && waterfall.relay().isPresent()) {
            // the stream was committed, so its response is taken: it goes on to its end, and the request ends with it
            // (the relay's own failures are the relay's to report)
            LOG.error("429chain failed after a stream was committed; the stream goes on", failure);
            CompletableFuture<?> relay = waterfall.relay().get();
            if (!relay.isDone()) {
                relay.whenComplete((ended, relayFailure) -> callback.done(false));
                return false;
            }
        } else {
            write(exchange, failure);
        }
        callback.done(true);
        return true;
    }

    private static void write(Exchange exchange, Throwable failure) {
        if (failure instanceof ApiException api) {
            HttpReplies.error(exchange.getMessage(), api.status(), api.error());
            api.retryAfterSeconds().ifPresent(seconds -> exchange.getMessage().setHeader("Retry-After", seconds));
            return;
        }
        LOG.error("429chain failed to handle a request", failure);
        HttpReplies.error(exchange.getMessage(), 500,
                OpenAiError.server("429chain failed to handle the request; its log has the details.", "internal_error"));
    }
}
