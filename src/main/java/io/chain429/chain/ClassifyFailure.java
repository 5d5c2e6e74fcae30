package io.chain429.chain;

import io.chain429.config.Durations;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.core.ClientLink;
import io.chain429.core.Outcome;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.provider.TotalTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import javax.net.ssl.SSLException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an exception from the provider call (refused, reset, timed out) into an outcome with its {@link Reason}, so
 * the waterfall moves on and an operator can read why. When the client has gone, the call was aborted for it: that
 * is {@link Outcome.ClientGone}, nothing the step did. Exception messages are not kept: they may hold the upstream
 * URL.
 */
public final class ClassifyFailure implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifyFailure.class);

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ClientLink client = exchange.getProperty(ClientLink.PROPERTY, ClientLink.class);
        if (client != null && client.gone()) {
            waterfall.record(new Outcome.ClientGone(), true);
            return;
        }
        Step step = waterfall.currentStep();
        Reason reason = classify(failure, waterfall.provider(step).client().timeouts());
        if (reason.code().equals(Reason.CALL_FAILED)) {
            LOG.warn("{}: unexpected failure while calling the provider; trying the next step", step, failure);
        } else {
            LOG.debug("{}: {}", step, reason, failure);
        }
        waterfall.record(new Outcome.Failed(reason), reason.requestSent());
    }

    /** The first cause in the chain that says what happened. */
    static Reason classify(Throwable failure, Timeouts timeouts) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            Reason reason = known(cause, timeouts);
            if (reason != null) {
                return reason;
            }
        }
        return Reason.of(Reason.CALL_FAILED, "the call failed (" + failure.getClass().getSimpleName() + ")");
    }

    private static Reason known(Throwable cause, Timeouts timeouts) {
        if (cause instanceof HttpConnectTimeoutException) {
            return Reason.of(Reason.CONNECT_TIMEOUT, "no connection within " + Durations.format(timeouts.connect()) + " (timeouts.connect)");
        }
        if (cause instanceof HttpTimeoutException) {
            return Reason.of(Reason.FIRST_BYTE_TIMEOUT, "no response headers within " + Durations.format(timeouts.firstByte())
                    + " (timeouts.firstByte)");
        }
        if (cause instanceof TotalTimeoutException) {
            return Reason.of(Reason.TOTAL_TIMEOUT, "no complete answer within " + Durations.format(timeouts.total()) + " (timeouts.total)");
        }
        if (cause instanceof UnknownHostException) {
            return Reason.of(Reason.DNS_FAILED, "the provider's host name could not be resolved (check baseUrl and DNS)");
        }
        if (cause instanceof ConnectException) {
            return Reason.of(Reason.CONNECT_REFUSED, "the provider's host refused the connection (nothing listens on that port)");
        }
        if (cause instanceof SSLException) {
            return Reason.of(Reason.TLS_FAILED, "the TLS handshake with the provider failed (certificate or protocol)");
        }
        if (cause instanceof SocketException || cause instanceof ClosedChannelException || isReset(cause)) {
            return Reason.of(Reason.CONNECTION_RESET, "the provider closed the connection before it answered");
        }
        return null;
    }

    /** Netty reports a peer's reset as a plain IOException whose message is the OS's: "Connection reset by peer". */
    private static boolean isReset(Throwable cause) {
        return cause instanceof IOException && cause.getMessage() != null && cause.getMessage().toLowerCase(Locale.ROOT).contains("connection reset");
    }
}
