package io.chain429.api;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's error handler: an {@link ApiException} becomes its OpenAI-shaped error; anything else is a 429chain
 * bug, logged here and answered with a plain 500 that reveals nothing of the failure.
 */
public final class WriteApiError implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(WriteApiError.class);

    @Override
    public void process(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
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
