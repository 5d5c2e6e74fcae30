package io.chain429.api.connection;

import io.chain429.config.Durations;
import io.chain429.config.RuntimeSettings.ClientTimeouts;
import io.chain429.core.OpenAiError;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long one API connection may take to send its requests: the headers of a request within
 * {@code CHAIN429_HEADER_TIMEOUT} (from the connection opening, or from the first byte of a later request), then its whole
 * body within {@code CHAIN429_BODY_TIMEOUT}, and no more than {@code CHAIN429_KEEP_ALIVE_TIMEOUT} between an answer and
 * the next request. Past a deadline the connection is closed, after a 408 where a request has begun and no answer has.
 *
 * <p>Only reading a request is bounded. From the moment a request has been read whole until its answer is written, no
 * deadline runs: a provider call or a stream takes as long as it takes (a client that reads a stream too slowly is
 * {@code chain/LivePump}'s business). That is why this is not Vert.x's idle timeout, which counts any silence,
 * a long provider call's included.
 *
 * <p>One per connection, used on its event loop only. It learns what was read from {@link StrictRequestFraming} (bytes
 * of a request arrived) and {@link RequestProgress} (a request's head and end, an answer's head and end). One timer
 * serves every deadline: it fires at least every {@code tick} (the shortest timeout) and then looks at the deadline in
 * force, so a request on a kept-alive connection costs no timer of its own.
 */
public final class ConnectionDeadline {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionDeadline.class);
    private static final AttributeKey<ConnectionDeadline> KEY = AttributeKey.valueOf("chain429.connectionDeadline");

    private enum Phase {
        /** a request's headers are awaited: the connection's first, or a later one whose first bytes have come */
        HEADERS,
        /** a request's headers have come, its body is awaited */
        BODY,
        /** every request read and answered: the next one is awaited */
        IDLE,
        /** a request is being answered, or one waits for an earlier answer; or the connection is not watched any more */
        NONE
    }

    private final Channel channel;
    private final ClientTimeouts timeouts;
    private final ClientRefusals refusals;
    private final long tickNanos;

    private Phase phase = Phase.NONE;
    private long deadline;
    private ScheduledFuture<?> timer;
    private boolean stopped;
    private RequestProgress http;

    // what has been read and answered on this connection (HTTP/1.1 answers requests in order)
    private long heads;
    private long ends;
    private long answered;
    private boolean responseOpen;
    private boolean nextRequestBegun;

    private ConnectionDeadline(Channel channel, ClientTimeouts timeouts, ClientRefusals refusals) {
        this.channel = channel;
        this.timeouts = timeouts;
        this.refusals = refusals;
        this.tickNanos = Math.min(timeouts.headers().toNanos(), Math.min(timeouts.body().toNanos(), timeouts.keepAlive().toNanos()));
    }

    /** Starts watching a connection just accepted: its first request's headers are due from now. */
    static ConnectionDeadline open(Channel channel, ClientTimeouts timeouts, ClientRefusals refusals) {
        ConnectionDeadline watch = new ConnectionDeadline(channel, timeouts, refusals);
        channel.attr(KEY).set(watch);
        channel.closeFuture().addListener(closed -> watch.stop());
        watch.enter(Phase.HEADERS);
        return watch;
    }

    /** The deadline of a connection accepted by a {@link GuardedHttpServer}, or null. */
    static ConnectionDeadline of(Channel channel) {
        return channel.attr(KEY).get();
    }

    /** The HTTP/1.1 handlers are in place: a request can now be answered with a 408. */
    void httpReady(RequestProgress progress) {
        this.http = progress;
    }

    /** No more deadlines: the connection closed, or became HTTP/2, which these rules do not cover. */
    void stop() {
        stopped = true;
        phase = Phase.NONE;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Bytes of a request arrived (called for every read, so it does as little as it can). */
    void requestBytes() {
        if (heads == ends && !nextRequestBegun) {
            nextRequestBegun = true;
            update();
        }
    }

    void requestHead() {
        heads++;
        nextRequestBegun = false;
        update();
    }

    void requestEnd() {
        if (ends < heads) {
            ends++;
            update();
        }
    }

    /** @return whether the request this answer is for has not been read whole (its answer comes early) */
    boolean responseHead() {
        responseOpen = true;
        return ends <= answered;
    }

    void responseEnd() {
        responseOpen = false;
        answered++;
        update();
    }

    private void update() {
        if (stopped) {
            return;
        }
        Phase next;
        if (heads > ends) {
            // a pipelined request waits, unread, until the answers before it are written: no deadline meanwhile
            next = answered >= ends ? Phase.BODY : Phase.NONE;
        } else if (answered < ends) {
            next = Phase.NONE;
        } else if (nextRequestBegun || heads == 0) {
            next = Phase.HEADERS;
        } else {
            next = Phase.IDLE;
        }
        if (next != phase) {
            enter(next);
        }
    }

    private void enter(Phase next) {
        phase = next;
        if (next == Phase.NONE) {
            return; // a pending timer finds nothing due and lapses
        }
        deadline = System.nanoTime() + timeout(next).toNanos();
        // the pending timer, if any, fires within one tick, no later than this deadline: it will see it
        if (timer == null) {
            schedule(timeout(next).toNanos());
        }
    }

    private void schedule(long nanos) {
        timer = channel.eventLoop().schedule(this::check, Math.min(nanos, tickNanos), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (stopped || phase == Phase.NONE) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            schedule(left);
        } else {
            expire();
        }
    }

    private void expire() {
        Phase expired = phase;
        stop();
        switch (expired) {
            case HEADERS -> {
                if (nextRequestBegun) {
                    refusals.count(ClientRefusals.HEADER_TIMEOUT);
                }
                if (nextRequestBegun && http != null) {
                    refuse("its request's headers did not arrive within " + setting(timeouts.headers(), "CHAIN429_HEADER_TIMEOUT"),
                            "The request's headers did not arrive within " + Durations.format(timeouts.headers()) + ".");
                } else {
                    close("it sent no request within " + setting(timeouts.headers(), "CHAIN429_HEADER_TIMEOUT"));
                }
            }
            case BODY -> {
                refusals.count(ClientRefusals.BODY_TIMEOUT);
                if (!responseOpen && answered == ends && http != null) {
                    refuse("its request's body did not arrive within " + setting(timeouts.body(), "CHAIN429_BODY_TIMEOUT")
                            + " of its headers", "The request body did not arrive within " + Durations.format(timeouts.body())
                            + " of its headers.");
                } else {
                    close("its request's body did not arrive within " + setting(timeouts.body(), "CHAIN429_BODY_TIMEOUT"));
                }
            }
            case IDLE -> close("it sent no further request within " + setting(timeouts.keepAlive(), "CHAIN429_KEEP_ALIVE_TIMEOUT"));
            default -> {
            }
        }
    }

    private void refuse(String why, String message) {
        LOG.debug("answered 408 and closed the connection from {}: {}", Peer.of(channel), why);
        http.answerAndClose(408, OpenAiError.invalidRequest(message + " 429chain closed the connection.", null, "request_timeout"));
    }

    private void close(String why) {
        LOG.debug("closed the connection from {}: {}", Peer.of(channel), why);
        channel.close();
    }

    private Duration timeout(Phase of) {
        return switch (of) {
            case HEADERS -> timeouts.headers();
            case BODY -> timeouts.body();
            default -> timeouts.keepAlive();
        };
    }

    private static String setting(Duration timeout, String name) {
        return Durations.format(timeout) + " (" + name + ")";
    }
}
