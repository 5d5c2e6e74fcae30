package io.chain429.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fast, non-blocking OpenAI-compatible provider for the benchmark, on Vert.x event loops (the e2e tests'
 * {@code ProviderSimulator} is thread-per-connection and byte-exact, which is right for tests and wrong for load).
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions} without {@code "stream": true}: a small completion, at once; for a model
 *       named {@code wait-<ms>}, that long after the request (a client can then leave before its answer).</li>
 *   <li>the same with {@code "stream": true}: Server-Sent Events; a model named {@code sse-<events>-<intervalMs>}
 *       gets that many content chunks that far apart (the first with the headers, at once; each stamped with the
 *       time it was written), then
 *       {@code data: [DONE]}. Any other model gets {@value #DEFAULT_EVENTS} chunks {@value #DEFAULT_INTERVAL_MS} ms
 *       apart.</li>
 *   <li>{@code POST /limited/v1/chat/completions}: an instant 429 with {@code retry-after-ms: 0}, so that a
 *       429chain step pointing there cools down for no time at all and is tried again by every request.</li>
 * </ul>
 */
public final class FastSimulator implements AutoCloseable {

    static final int DEFAULT_EVENTS = 20;
    static final int DEFAULT_INTERVAL_MS = 5;

    private static final Buffer RATE_LIMITED = Buffer.buffer(
            "{\"error\":{\"message\":\"Rate limit reached (benchmark simulator)\",\"type\":\"rate_limit_error\",\"code\":\"rate_limit_exceeded\"}}");

    private final Vertx vertx;
    private final HttpServer server;
    private final AtomicLong completions = new AtomicLong();
    private final AtomicLong streamsStarted = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean holdLastEvents;

    public FastSimulator(int eventLoops) {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1));
        this.server = vertx.createHttpServer(new HttpServerOptions()
                .setHost("127.0.0.1")
                .setPort(0)
                .setTcpNoDelay(true)
                .setAcceptBacklog(4096)
                .setIdleTimeout(0));
        server.requestHandler(this::handle);
        server.connectionHandler(connection -> {
            connections.add(connection);
            connection.closeHandler(closed -> connections.remove(connection));
        });
        await(server.listen().toCompletionStage().toCompletableFuture());
    }

    public int port() {
        return server.actualPort();
    }

    /** Base URL of the healthy provider ({@code fast}). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** Base URL of the provider that always answers 429 ({@code limited}). */
    public String limitedBaseUrl() {
        return "http://127.0.0.1:" + port() + "/limited/v1";
    }

    public long completions() {
        return completions.get();
    }

    public long streamsStarted() {
        return streamsStarted.get();
    }

    public long rateLimited() {
        return rateLimited.get();
    }

    public int openStreams() {
        return openStreams.get();
    }

    /**
     * While true, every stream keeps its last event (and so its end) until this is set back to false: streams
     * started together then stay open together, however long the last of them took to start.
     */
    public void holdLastEvents(boolean hold) {
        this.holdLastEvents = hold;
    }

    /** Closes every client connection (429chain's pooled keep-alive connections included); returns how many. */
    public int closeAllConnections() {
        int closed = 0;
        for (HttpConnection connection : List.copyOf(connections)) {
            connection.close();
            closed++;
        }
        return closed;
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        if (!"POST".equals(request.method().name())) {
            request.response().setStatusCode(405).end();
            return;
        }
        if (path.equals("/limited/v1/chat/completions")) {
            // answer without waiting for the body: the 429 does not depend on it
            rateLimited.incrementAndGet();
            request.response().setStatusCode(429)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("retry-after-ms", "0")
                    .end(RATE_LIMITED);
            return;
        }
        if (!path.equals("/v1/chat/completions")) {
            request.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                    .end("{\"error\":{\"message\":\"no route " + path + "\"}}");
            return;
        }
        request.body().onSuccess(body -> {
            String text = body.toString(StandardCharsets.UTF_8);
            String model = stringField(text, "model");
            if (model == null) {
                model = "unknown";
            }
            if (streamRequested(text)) {
                stream(request.response(), model);
            } else if (model.startsWith("wait-")) {
                String answer = completion(model);
                vertx.setTimer(Long.parseLong(model.substring(5)), id -> {
                    if (!request.response().closed()) {
                        complete(request.response(), answer);
                    }
                });
            } else {
                complete(request.response(), completion(model));
            }
        });
    }

    private void complete(HttpServerResponse response, String completion) {
        completions.incrementAndGet();
        response.putHeader("Content-Type", "application/json").end(completion);
    }

    static String completion(String model) {
        return "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1764000000,\"model\":\"" + model + "\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello from the benchmark simulator\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11}}";
    }

    /**
     * One content chunk. Its text carries the {@link System#nanoTime()} at which it was written ({@code tok3@<nanos>}),
     * so that the load client, in the same JVM, can tell how long each event took to reach it.
     */
    static String chunk(String model, int index, int total) {
        String text = "tok" + index + "@" + System.nanoTime() + " ";
        String delta = index == 0 ? "{\"role\":\"assistant\",\"content\":\"" + text + "\"}" : "{\"content\":\"" + text + "\"}";
        String finish = index == total - 1 ? "\"stop\"" : "null";
        return "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
    }

    private void stream(HttpServerResponse response, String model) {
        int events = DEFAULT_EVENTS;
        long interval = DEFAULT_INTERVAL_MS;
        if (model.startsWith("sse-")) {
            String[] parts = model.split("-");
            events = Integer.parseInt(parts[1]);
            interval = Long.parseLong(parts[2]);
        }
        streamsStarted.incrementAndGet();
        openStreams.incrementAndGet();
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        int total = events;
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger released = new AtomicInteger();
        Runnable release = () -> {
            if (released.compareAndSet(0, 1)) {
                openStreams.decrementAndGet();
            }
        };
        response.write(chunk(model, sent.getAndIncrement(), total));
        if (total == 1) {
            response.end("data: [DONE]\n\n");
            release.run();
            return;
        }
        long timer = vertx.setPeriodic(interval, interval, id -> {
            if (response.closed()) {
                vertx.cancelTimer(id);
                release.run();
                return;
            }
            if (sent.get() == total - 1 && holdLastEvents) {
                return; // held open: the last event waits for the release
            }
            int i = sent.getAndIncrement();
            response.write(chunk(model, i, total));
            if (i == total - 1) {
                vertx.cancelTimer(id);
                response.end("data: [DONE]\n\n");
                release.run();
            }
        });
        response.closeHandler(closed -> {
            vertx.cancelTimer(timer);
            release.run();
        });
    }

    /** {@code "stream": true} anywhere at the top level of a compact or pretty-printed JSON body. */
    static boolean streamRequested(String json) {
        int at = json.indexOf("\"stream\"");
        if (at < 0) {
            return false;
        }
        int colon = json.indexOf(':', at + 8);
        if (colon < 0) {
            return false;
        }
        int i = colon + 1;
        while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
            i++;
        }
        return json.startsWith("true", i);
    }

    /** The first string value of {@code "name"}: enough for the flat {@code model} field of a chat request. */
    static String stringField(String json, String name) {
        int at = json.indexOf("\"" + name + "\"");
        if (at < 0) {
            return null;
        }
        int colon = json.indexOf(':', at + name.length() + 2);
        int open = colon < 0 ? -1 : json.indexOf('"', colon + 1);
        int close = open < 0 ? -1 : json.indexOf('"', open + 1);
        return close < 0 ? null : json.substring(open + 1, close);
    }

    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing anyway
        }
        vertx.close();
    }

    static <T> T await(java.util.concurrent.CompletableFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
