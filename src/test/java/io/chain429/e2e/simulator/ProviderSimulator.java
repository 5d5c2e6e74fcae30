package io.chain429.e2e.simulator;

import io.chain429.e2e.simulator.HttpConnection.Request;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real local HTTP/1.1 server playing an OpenAI-compatible provider. Scripted replies are served in order; when
 * none is left it answers a normal completion naming the model it was asked for.
 *
 * <p>{@code GET .../models} (what key checks and probes ask) is a separate endpoint, as at a real provider: it has its
 * own replies ({@link #models}, {@link #modelsAlways}; a model list by default) and its own record
 * ({@link #modelsReceived()}), so it neither takes a scripted reply meant for a completion nor counts as one.
 *
 * <p>It is written directly on a {@link ServerSocket} (one thread per connection, keep-alive, {@code TCP_NODELAY})
 * so that streaming replies ({@link Reply#stream(StreamScript)}) can reproduce what real providers do on the wire,
 * byte for byte: tiny TCP writes, CRLF line ends, keep-alive comments, stalls, abrupt cuts. It also tracks what the
 * client does to its streams ({@link #openStreams()}, {@link #streamsClosedByPeer()}), to prove that a caller
 * cancels upstream when its own client leaves.
 *
 * <p>This class holds the server, the scripts and the record of what arrived; {@link HttpConnection} reads the wire,
 * {@link ReplyWriter} writes the replies, {@link Reply} and {@link StreamScript} say what they are.
 */
public final class ProviderSimulator implements AutoCloseable {

    private static final String MODEL_LIST = "{\"object\":\"list\",\"data\":[{\"id\":\"model-a\",\"object\":\"model\"}]}";

    private final String name;
    private final ServerSocket server;
    private final ExecutorService pool;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedDeque<Reply> modelsScript = new ConcurrentLinkedDeque<>();
    private final List<Received> modelsReceived = new CopyOnWriteArrayList<>();
    private volatile Reply modelsAlways = Reply.json(200, MODEL_LIST);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger streamsClosedByPeer = new AtomicInteger();
    private final AtomicInteger repliesClosedByPeer = new AtomicInteger();
    private final Object streamLock = new Object();
    private int openStreams; // guarded by streamLock
    private volatile Reply always;
    private volatile boolean closed;

    public ProviderSimulator(String name) throws IOException {
        this.name = name;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1024);
        AtomicInteger threads = new AtomicInteger();
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "simulator-" + name + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Thread acceptor = new Thread(this::acceptLoop, "simulator-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
    }

    /** Serves these replies, one per request, before going back to normal completions. */
    public ProviderSimulator then(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** Forgets the replies not served yet. */
    public ProviderSimulator reset() {
        script.clear();
        return this;
    }

    /** Serves this reply to every request (but {@code GET .../models}) from now on. */
    public ProviderSimulator always(Reply reply) {
        this.always = reply;
        return this;
    }

    /** Serves these replies to {@code GET .../models}, one per request, before going back to its usual reply. */
    public ProviderSimulator models(Reply... replies) {
        modelsScript.addAll(List.of(replies));
        return this;
    }

    /** Serves this reply to every {@code GET .../models} from now on (a model list until this is called). */
    public ProviderSimulator modelsAlways(Reply reply) {
        this.modelsAlways = reply;
        return this;
    }

    /** The requests but {@code GET .../models}. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The {@code GET .../models} requests. */
    public List<Received> modelsReceived() {
        return List.copyOf(modelsReceived);
    }

    public int modelsRequestCount() {
        return modelsReceived.size();
    }

    /** The most requests this simulator was ever answering at the same time. */
    public int maxConcurrentRequests() {
        return maxInFlight.get();
    }

    /** Requests but {@code GET .../models}. */
    public int requestCount() {
        return received.size();
    }

    /**
     * TCP connections that carried a request so far (a pooling client reuses one for sequential requests); those that
     * only listed the models (a key check's or probe's, which the client resets after the headers) do not count.
     */
    public int connectionsAccepted() {
        return connections.get();
    }

    /** Streams being served right now (from the request until the last byte, a cut, or the peer leaving). */
    public int openStreams() {
        synchronized (streamLock) {
            return openStreams;
        }
    }

    /** Streams whose connection the peer closed before the simulator had finished them. */
    public int streamsClosedByPeer() {
        return streamsClosedByPeer.get();
    }

    /** Replies of any kind (streams included) whose connection the peer closed before they were finished. */
    public int repliesClosedByPeer() {
        return repliesClosedByPeer.get();
    }

    /** Waits until no stream is being served; false if some still is after the timeout. */
    public boolean awaitNoOpenStreams(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (streamLock) {
            while (openStreams > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    streamLock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return openStreams == 0;
                }
            }
            return true;
        }
    }

    /** The completion a healthy provider returns; its content names this simulator. */
    public String completion(String model) {
        return """
                {"id":"chatcmpl-%s","object":"chat.completion","created":1764000000,"model":"%s",
                 "x_provider_extra":{"region":"us"},
                 "choices":[{"index":0,"message":{"role":"assistant","content":"hello from %s"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}""".formatted(name, model, name);
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        pool.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------- connections

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            sockets.add(socket);
            if (closed) {
                closeQuietly(socket);
                return;
            }
            try {
                pool.execute(() -> serve(socket));
            } catch (RejectedExecutionException e) {
                closeQuietly(socket);
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            HttpConnection conn = new HttpConnection(socket);
            boolean counted = false;
            while (!closed) {
                Request request = conn.readRequest();
                if (request == null) {
                    return;
                }
                if (!counted && !listsModels(request)) {
                    connections.incrementAndGet();
                    counted = true;
                }
                Reply reply = listsModels(request) ? modelsReply(request) : reply(request);
                if (reply.drop()) {
                    return;
                }
                boolean keepAlive = request.keepAlive() && !reply.closeConnection();
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                boolean reusable;
                try {
                    reusable = reply.isStream() ? serveStream(conn, reply, keepAlive) : serveWhole(conn, reply, keepAlive);
                } finally {
                    inFlight.decrementAndGet();
                }
                if (!reusable) {
                    return;
                }
            }
        } catch (IOException e) {
            // the connection is gone (or the request was malformed): nothing more to do
        } finally {
            sockets.remove(socket);
        }
    }

    private static boolean listsModels(Request request) {
        return request.method().equals("GET") && request.path().endsWith("/models");
    }

    private Reply modelsReply(Request request) {
        modelsReceived.add(new Received(request.path(), request.headers(), request.body(), request.arrivedNanos()));
        Reply reply = modelsScript.poll();
        return reply != null ? reply : modelsAlways;
    }

    private Reply reply(Request request) {
        received.add(new Received(request.path(), request.headers(), request.body(), request.arrivedNanos()));
        Reply reply = script.poll();
        if (reply == null) {
            reply = always != null ? always : Reply.json(200, completion(request.body().path("model").asText()));
        }
        return reply;
    }

    /** A whole-body reply; true if the connection can carry another request. */
    private boolean serveWhole(HttpConnection conn, Reply reply, boolean keepAlive) {
        try {
            return ReplyWriter.writeWhole(conn, reply, keepAlive);
        } catch (IOException e) {
            peerLeft(false);
            return false;
        }
    }

    /** A streaming reply, counted among the open streams while it is served; true if the connection can carry another request. */
    private boolean serveStream(HttpConnection conn, Reply reply, boolean keepAlive) {
        synchronized (streamLock) {
            openStreams++;
        }
        try {
            return ReplyWriter.writeStream(conn, reply, keepAlive, () -> closed);
        } catch (IOException e) {
            peerLeft(true);
            return false;
        } finally {
            synchronized (streamLock) {
                openStreams--;
                streamLock.notifyAll();
            }
        }
    }

    private void peerLeft(boolean stream) {
        if (closed) {
            return; // we closed it ourselves
        }
        repliesClosedByPeer.incrementAndGet();
        if (stream) {
            streamsClosedByPeer.incrementAndGet();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
