package io.chain429.provider;

import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.config.Secret;
import io.chain429.core.CallGuard;
import io.chain429.core.EventLoops;
import io.chain429.sse.SseSource;
import io.chain429.sse.StreamThread;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * HTTP to one provider, on the Vert.x instance that also serves 429chain's clients: upstream I/O runs on the event
 * loops that already exist, and callers get a future that never blocks a loop. Each provider has its own
 * client, hence its own pool of keep-alive connections, so a slow provider never starves another's connections.
 */
public final class ProviderClient {

    /** Provider responses (behind CDNs) can carry more header bytes than Vert.x's default of 8 KiB. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final HttpClient http;
    private final Timeouts timeouts;
    /**
     * Method, host, port, TLS and path per provider URI, parsed once ({@code setAbsoluteURI} parses with
     * {@code java.net.URL}, too slow for every call) and copied for each call. Holds the few URIs this
     * provider's adapter sends to.
     */
    private final Map<URI, RequestOptions> postTargets = new ConcurrentHashMap<>();
    /** Connections that have carried a request: a failure on one of them may be a keep-alive the provider closed. */
    private final Set<HttpConnection> used = ConcurrentHashMap.newKeySet();

    /**
     * @param maxConnections the pool's bound: as many as the requests 429chain serves at once, since each may hold
     *                       a stream open on this provider
     */
    ProviderClient(Vertx vertx, Timeouts timeouts, int maxConnections) {
        this.vertx = vertx;
        this.timeouts = timeouts;
        // HTTP/1.1: providers' HTTP/2 support is uneven. https (per request, from the URL) uses the JDK's default trust
        // store, sends SNI and verifies the host name.
        HttpClientOptions options = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setConnectTimeout(Math.toIntExact(timeouts.connect().toMillis()))
                .setVerifyHost(true)
                .setForceSni(true)
                .setMaxHeaderSize(MAX_HEADER_BYTES);
        this.http = vertx.httpClientBuilder()
                .with(options)
                .with(new PoolOptions().setHttp1MaxSize(maxConnections))
                .build();
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /**
     * Sends a JSON POST; the result completes with the whole answer. The first-byte timeout bounds the wait for the
     * response headers, the total timeout the whole exchange.
     */
    public CompletableFuture<UpstreamResponse> send(UpstreamRequest request, CallGuard guard) {
        long total = timeouts.total().toMillis();
        Exchange<UpstreamResponse> exchange = new Exchange<>(post(request), Buffer.buffer(request.body()), total,
                response -> response.body().map(body -> new UpstreamResponse(response.statusCode(), headers(response), body.getBytes())));
        guard.onAbort(exchange::abort);
        return exchange.result.exceptionallyCompose(failure -> CompletableFuture.failedFuture(failure(failure)));
    }

    /**
     * Sends a streaming request; the result completes as soon as the response headers are in. {@code onHeaders} gets
     * them first, on the connection's event loop, before any of the body: the body is read through the stream's
     * {@link SseSource} there, whose {@code close()} aborts the upstream request.
     */
    public CompletableFuture<UpstreamStream> open(UpstreamRequest request, CallGuard guard, Consumer<UpstreamStream> onHeaders) {
        Exchange<UpstreamStream> exchange = new Exchange<>(post(request), Buffer.buffer(request.body()), 0, response -> {
            SseSource source = new SseSource(StreamThread.of(Vertx.currentContext()));
            source.onSubscribe(new ResponseBody(response, source));
            UpstreamStream stream = new UpstreamStream(response.statusCode(), headers(response), source);
            onHeaders.accept(stream);
            return Future.succeededFuture(stream);
        });
        guard.onAbort(exchange::abort);
        return exchange.result.handle((stream, failure) -> {
            if (failure != null) {
                throw new CompletionException(failure(failure));
            }
            guard.onAbort(stream.source()::close);
            return stream;
        });
    }

    /**
     * Sends a GET (e.g. a key check's {@code /models}), within the connect, first-byte and total timeouts. A 200's
     * body is not read (a provider may list hundreds of models) and comes back empty; any other status comes back with
     * its body, which may say why (Gemini names a bad key there).
     */
    public UpstreamResponse get(URI uri, Optional<Secret> apiKey) throws IOException, InterruptedException {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri.toString())
                .putHeader("Accept", "application/json");
        apiKey.ifPresent(key -> options.putHeader("Authorization", "Bearer " + key.reveal()));
        Exchange<UpstreamResponse> exchange = new Exchange<>(options, null, timeouts.total().toMillis(), response -> {
            if (response.statusCode() != 200) {
                return response.body().map(body -> new UpstreamResponse(response.statusCode(), headers(response), body.getBytes()));
            }
            // resetting gives up the rest of the body, and with it the connection; the body then fails, and nobody reads it
            response.exceptionHandler(unread -> { });
            response.request().reset();
            return Future.succeededFuture(new UpstreamResponse(200, headers(response), new byte[0]));
        });
        try {
            return exchange.result.get();
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
    }

    /**
     * Closes this client's pool once the longest exchange that may still be running on it is over: a live reload
     * replaced or removed its provider, and requests that started before go on with it until they end.
     */
    void retire() {
        vertx.setTimer(timeouts.total().plusSeconds(5).toMillis(), id -> http.close());
    }

    private RequestOptions post(UpstreamRequest request) {
        RequestOptions options = new RequestOptions(postTargets.computeIfAbsent(request.uri(),
                uri -> new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(uri.toString())));
        request.headers().forEach(options::putHeader);
        request.apiKey().ifPresent(key -> options.putHeader("Authorization", "Bearer " + key.reveal()));
        return options;
    }

    private static HttpHeaders headers(HttpClientResponse response) {
        MultiMap received = response.headers();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : received.names()) {
            headers.put(name, received.getAll(name));
        }
        return HttpHeaders.of(headers, (name, value) -> true);
    }

    /** What callers (and {@link io.chain429.chain.ClassifyFailure}) understand: IOExceptions, as the JDK client's. */
    private static IOException failure(Throwable failure) {
        if (failure instanceof CancellationException) {
            return new IOException("call aborted: the client went away", failure);
        }
        return failure instanceof IOException io ? io : new IOException(failure);
    }

    /**
     * One call: runs on a Vert.x event loop through callbacks and completes {@link #result}. Failing or cancelling the
     * result (a timeout, the client leaving) resets the request in flight, which closes its connection.
     */
    private final class Exchange<T> {
        private final RequestOptions options;
        private final Buffer body;
        private final Function<HttpClientResponse, Future<T>> read;
        private final CompletableFuture<T> result = new CompletableFuture<>();
        private volatile long firstByteTimer = -1;
        private volatile long totalTimer = -1;
        private volatile HttpClientRequest inFlight;

        /**
         * @param body        the request body, or null for none
         * @param totalMillis the longest the whole call may take, or 0 when the result comes with the headers (the
         *                    first-byte timeout bounds it then)
         * @param read        turns the response, its headers just in, into the result; runs on the event loop before
         *                    any of the body is delivered, so it may set the body's handlers
         */
        Exchange(RequestOptions options, Buffer body, long totalMillis, Function<HttpClientResponse, Future<T>> read) {
            this.options = options;
            this.body = body;
            this.read = read;
            result.whenComplete((value, failure) -> {
                vertx.cancelTimer(firstByteTimer);
                vertx.cancelTimer(totalTimer);
                if (failure != null) {
                    reset(inFlight);
                }
            });
            // The call starts on the event loop of the caller's context: a request that started on its client
            // connection's loop sends from there at once (and the pool prefers that loop's connections); a request
            // thread wakes the loop once, and the timers and the request are set up there.
            if (EventLoops.current().isPresent()) {
                start(totalMillis);
            } else {
                vertx.getOrCreateContext().runOnContext(go -> start(totalMillis));
            }
        }

        private void start(long totalMillis) {
            if (result.isDone()) {
                return; // aborted before it started
            }
            long firstByte = timeouts.firstByte().toMillis();
            // from the start, like the JDK client's request timeout: a connect that takes long eats into it
            firstByteTimer = vertx.setTimer(firstByte,
                    id -> result.completeExceptionally(new HttpTimeoutException("no response headers within " + firstByte + " ms")));
            if (totalMillis > 0) {
                // not an HttpTimeoutException: that one means "no first byte", and this answer was merely too slow
                totalTimer = vertx.setTimer(totalMillis,
                        id -> result.completeExceptionally(new TotalTimeoutException(totalMillis)));
            }
            attempt(true);
        }

        void abort() {
            result.cancel(false);
        }

        /**
         * @param mayRetry whether a failure the provider cannot have acted on may be sent once more, at once, on another
         *                 connection: a refused connect (nothing was sent: a provider restarting, a balancer rotating
         *                 its nodes), or a failure on a reused connection before the response (a keep-alive connection
         *                 the provider closed while it was idle fails that way; the pool drops a closed connection, so
         *                 the retry gets another one). Only the retry's outcome counts for the step.
         */
        private void attempt(boolean mayRetry) {
            http.request(options).onComplete(created -> {
                if (created.failed()) {
                    if (mayRetry && refused(created.cause()) && !result.isDone()) {
                        attempt(false);
                    } else {
                        result.completeExceptionally(translate(created.cause()));
                    }
                    return;
                }
                HttpClientRequest request = created.result();
                inFlight = request;
                if (result.isCompletedExceptionally()) {
                    reset(request); // aborted or timed out while waiting for a connection
                    return;
                }
                boolean reused = !firstUse(request.connection());
                Future<HttpClientResponse> sent = body == null ? request.send() : request.send(body);
                sent.onComplete(answered -> {
                    if (answered.failed()) {
                        if (reused && mayRetry && !result.isDone()) {
                            attempt(false);
                        } else {
                            result.completeExceptionally(translate(answered.cause()));
                        }
                        return;
                    }
                    vertx.cancelTimer(firstByteTimer);
                    Future<T> reading;
                    try {
                        reading = read.apply(answered.result());
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e); // the caller waits for this result with no deadline of its own
                        return;
                    }
                    reading.onComplete(done -> {
                        if (done.succeeded()) {
                            result.complete(done.result());
                        } else {
                            result.completeExceptionally(translate(done.cause()));
                        }
                    });
                });
            });
        }

        private boolean firstUse(HttpConnection connection) {
            if (!used.add(connection)) {
                return false;
            }
            connection.closeHandler(closed -> used.remove(connection));
            return true;
        }
    }

    /** Refused at once: not a connect that timed out (Netty's timeout is a ConnectException too), which is not retried. */
    private static boolean refused(Throwable failure) {
        return failure instanceof ConnectException && !(failure instanceof ConnectTimeoutException);
    }

    private static void reset(HttpClientRequest request) {
        if (request != null) {
            request.reset();
        }
    }

    /** The failures callers (and {@link io.chain429.chain.ClassifyFailure}) understand: IOExceptions, as the JDK client's. */
    private static IOException translate(Throwable failure) {
        if (failure instanceof ConnectTimeoutException) {
            HttpConnectTimeoutException timeout = new HttpConnectTimeoutException("connect timed out");
            timeout.initCause(failure);
            return timeout;
        }
        if (failure instanceof HttpClosedException || failure instanceof StreamResetException) {
            SocketException closed = new SocketException("the provider closed the connection");
            closed.initCause(failure);
            return closed;
        }
        return failure instanceof IOException io ? io : new IOException(failure.getMessage(), failure);
    }
}
