package io.chain429.chain;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;
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
        Outcome.Failed outcome = classify(failure);
        if (failure instanceof IOException || failure instanceof TimeoutException) {
            LOG.debug("{}: {}", waterfall.currentStep(), outcome.reason(), failure);
        } else {
            LOG.warn("{}: unexpected failure while calling the provider; trying the next step", waterfall.currentStep(), failure);
        }
        waterfall.record(outcome, true);
    }

    /** Silent: the provider sent nothing at all in time (connect or first-byte timeout), which no retry will cure. */
    static Outcome.Failed classify(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpConnectTimeoutException) {
                return new Outcome.Failed("connect timeout", true);
            }
            if (cause instanceof HttpTimeoutException) {
                return new Outcome.Failed("no answer within the first-byte timeout", true);
            }
            if (cause instanceof TimeoutException) {
                return new Outcome.Failed("timed out", false);
            }
            if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
                return new Outcome.Failed("connection refused", false);
            }
        }
        return new Outcome.Failed(failure instanceof IOException
                ? "connection failed"
                : "call failed (" + failure.getClass().getSimpleName() + ")");
    }
}
