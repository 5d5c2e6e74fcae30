package io.chain429.api.connection;

import io.chain429.config.Durations;
import io.chain429.config.RuntimeSettings.ClientTimeouts;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long an HTTP/2 connection (h2c) may take to send its requests and to take its answers, the counterpart of
 * {@link ConnectionDeadline}: while no request of the client is open, the connection closes after
 * {@code CHAIN429_HEADER_TIMEOUT} if it never opened one, else after {@code CHAIN429_KEEP_ALIVE_TIMEOUT}; a request
 * whose body has not all arrived within {@code CHAIN429_BODY_TIMEOUT} of its headers is reset
 * ({@code RST_STREAM CANCEL}: HTTP/2 ends one request without closing the others), and so is an answer the client
 * takes nothing of for {@code CHAIN429_KEEP_ALIVE_TIMEOUT} (its flow-control window stays shut: over HTTP/1.1 the
 * socket's buffer would take a JSON answer whole). A request that has arrived is never timed, however long its answer
 * takes to come.
 *
 * <p>It follows the client's streams through Netty's {@link Http2Connection}: a stream exists once its headers are
 * complete, so a client trickling a header block has no open request, and its connection closes when its time is up.
 * Used on the connection's event loop only; one timer per connection, ticking every shortest timeout.
 */
final class Http2Deadline extends Http2ConnectionAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(Http2Deadline.class);
    private static final AttributeKey<Http2Deadline> KEY = AttributeKey.valueOf("chain429.http2Deadline");

    private final Channel channel;
    private final ChannelHandlerContext http2;
    private final ClientTimeouts timeouts;
    private final ClientRefusals refusals;
    private final long tickNanos;
    /** the client's streams whose request is still arriving, oldest first, with when their body is due */
    private final Map<Integer, Long> bodiesDue = new LinkedHashMap<>();
    /** the client's open streams, with what was seen of a shut window holding back their answer, if it is */
    private final Map<Integer, Stall> open = new HashMap<>();
    private boolean opened;
    private long idleSince;
    private ScheduledFuture<?> timer;

    /** An answer waiting for the client to open its window: the stream's and the connection's, and since when. */
    private record Stall(int streamWindow, int connectionWindow, long since) {
    }

    private Http2Deadline(Channel channel, ChannelHandlerContext http2, ClientTimeouts timeouts, ClientRefusals refusals) {
        this.channel = channel;
        this.http2 = http2;
        this.timeouts = timeouts;
        this.refusals = refusals;
        this.tickNanos = Math.min(timeouts.headers().toNanos(), Math.min(timeouts.body().toNanos(), timeouts.keepAlive().toNanos()));
        this.idleSince = System.nanoTime();
    }

    /**
     * Starts watching a connection whose pipeline holds Vert.x's HTTP/2 handler (h2c by prior knowledge, or after an
     * upgrade), once: later calls for the same connection do nothing.
     */
    static void watch(Channel channel, ClientTimeouts timeouts, ClientRefusals refusals) {
        ChannelHandlerContext http2 = channel.pipeline().context(Http2ConnectionHandler.class);
        if (http2 == null || channel.attr(KEY).get() != null) {
            return;
        }
        Http2Deadline deadline = new Http2Deadline(channel, http2, timeouts, refusals);
        channel.attr(KEY).set(deadline);
        Http2Connection connection = deadline.handler().connection();
        // a request already open (the upgraded one) counts as if it had just arrived
        try {
            connection.forEachActiveStream(stream -> {
                deadline.onStreamActive(stream);
                return true;
            });
        } catch (Http2Exception visitorThrowsNone) {
            throw new IllegalStateException(visitorThrowsNone);
        }
        connection.addListener(deadline);
        channel.closeFuture().addListener(closed -> deadline.stop());
        deadline.schedule();
    }

    @Override
    public void onStreamActive(Http2Stream stream) {
        if (!fromClient(stream)) {
            return;
        }
        open.put(stream.id(), null);
        opened = true;
        if (stream.state() == Http2Stream.State.OPEN) {
            bodiesDue.put(stream.id(), System.nanoTime() + timeouts.body().toNanos());
        }
    }

    @Override
    public void onStreamHalfClosed(Http2Stream stream) {
        if (stream.state() == Http2Stream.State.HALF_CLOSED_REMOTE) {
            bodiesDue.remove(stream.id()); // the request has arrived whole
        }
    }

    @Override
    public void onStreamClosed(Http2Stream stream) {
        if (!open.containsKey(stream.id())) {
            return;
        }
        bodiesDue.remove(stream.id());
        open.remove(stream.id());
        if (open.isEmpty()) {
            idleSince = System.nanoTime();
        }
    }

    private void schedule() {
        timer = channel.eventLoop().schedule(this::check, tickNanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check() {
        timer = null;
        if (!channel.isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (open.isEmpty()) {
            Duration idleFor = opened ? timeouts.keepAlive() : timeouts.headers();
            if (now - idleSince >= idleFor.toNanos()) {
                LOG.debug("closed the HTTP/2 connection from {}: {}", Peer.of(channel), opened
                        ? "it sent no further request within " + setting(timeouts.keepAlive(), "CHAIN429_KEEP_ALIVE_TIMEOUT")
                        : "it sent no request within " + setting(timeouts.headers(), "CHAIN429_HEADER_TIMEOUT"));
                channel.close(); // Netty's HTTP/2 handler says GOAWAY first
                return;
            }
        }
        reset(lateBodies(now), ClientRefusals.BODY_TIMEOUT,
                "its request's body did not arrive within " + setting(timeouts.body(), "CHAIN429_BODY_TIMEOUT") + " of its headers");
        reset(stalledAnswers(now), ClientRefusals.STALLED_ANSWER,
                "its client took nothing of the answer for " + setting(timeouts.keepAlive(), "CHAIN429_KEEP_ALIVE_TIMEOUT"));
        schedule();
    }

    private List<Integer> lateBodies(long now) {
        List<Integer> late = new ArrayList<>();
        for (Map.Entry<Integer, Long> stream : bodiesDue.entrySet()) {
            if (stream.getValue() > now) {
                break; // the rest came later
            }
            late.add(stream.getKey());
        }
        return late;
    }

    /** Streams whose answer waits for a window the client has kept shut, and as it was, since the keep-alive timeout. */
    private List<Integer> stalledAnswers(long now) {
        Http2Connection connection = handler().connection();
        Http2RemoteFlowController flow = connection.remote().flowController();
        int connectionWindow = flow.windowSize(connection.connectionStream());
        List<Integer> stalled = new ArrayList<>();
        for (Map.Entry<Integer, Stall> entry : open.entrySet()) {
            Http2Stream stream = connection.stream(entry.getKey());
            if (stream == null || !flow.hasFlowControlled(stream) || flow.windowSize(stream) > 0 && connectionWindow > 0) {
                entry.setValue(null); // nothing held back by the client
                continue;
            }
            Stall seen = new Stall(flow.windowSize(stream), connectionWindow, now);
            Stall before = entry.getValue();
            if (before == null || before.streamWindow() != seen.streamWindow() || before.connectionWindow() != seen.connectionWindow()) {
                entry.setValue(seen); // newly held back, or the client took some meanwhile
            } else if (now - before.since() >= timeouts.keepAlive().toNanos()) {
                stalled.add(entry.getKey());
            }
        }
        return stalled;
    }

    private void reset(List<Integer> streams, String reason, String why) {
        if (streams.isEmpty()) {
            return;
        }
        for (int stream : streams) {
            refusals.count(reason);
            bodiesDue.remove(stream);
            LOG.debug("reset HTTP/2 stream {} from {}: {}", stream, Peer.of(channel), why);
            handler().resetStream(http2, stream, Http2Error.CANCEL.code(), http2.newPromise());
        }
        http2.flush();
    }

    private Http2ConnectionHandler handler() {
        return (Http2ConnectionHandler) http2.handler();
    }

    /** Streams the client opened have odd ids (RFC 9113 §5.1.1). */
    private static boolean fromClient(Http2Stream stream) {
        return (stream.id() & 1) == 1;
    }

    private static String setting(Duration timeout, String name) {
        return Durations.format(timeout) + " (" + name + ")";
    }
}
