package io.chain429.chain;

import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an exception from the provider call (refused, reset, timed out) into a {@link Outcome.Failed}, so the
 * waterfall moves on. Exception messages are not kept: they may hold the upstream URL.
 */
public final class ClassifyFailure implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifyFailure.class);

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = describe(failure);
        // a timeout before any byte: the provider is silent, not flaky
        Outcome.Failed outcome = new Outcome.Failed(reason, reason.equals("timed out") || reason.equals("connect timeout"));
        if (failure instanceof java.io.IOException || failure instanceof java.util.concurrent.TimeoutException) {
            LOG.debug("{}: {}", waterfall.currentStep(), outcome.reason(), failure);
        } else {
            LOG.warn("{}: unexpected failure while calling the provider; trying the next step", waterfall.currentStep(), failure);
        }
        waterfall.record(outcome, true);
    }

    static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause != null) {
            if (cause instanceof HttpConnectTimeoutException) {
                return "connect timeout";
            }
            if (cause instanceof HttpTimeoutException || cause instanceof java.util.concurrent.TimeoutException) {
                return "timed out";
            }
            if (cause instanceof ConnectException || cause instanceof UnresolvedAddressException) {
                return "connection refused";
            }
            cause = cause.getCause();
        }
        return failure instanceof java.io.IOException ? "connection failed" : "call failed (" + failure.getClass().getSimpleName() + ")";
    }
}
