package io.chain429.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

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
 */
public final class ProviderSimulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger IDS = new AtomicInteger();
    /** While waiting (delays, intervals, stalls) the socket is read at least this often to notice a closed peer. */
    private static final int POLL_MILLIS = 50;
    private static final int MAX_LINE = 64 * 1024;
    private static final String MODEL_LIST = "{\"object\":\"list\",\"data\":[{\"id\":\"model-a\",\"object\":\"model\"}]}";

    /** One request as the provider saw it. */
    public record Received(String path, Map<String, List<String>> headers, JsonNode body) {
        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst().orElse(null);
        }

        /** Whether the request body asked for a stream ({@code "stream": true}). */
        public boolean streamRequested() {
            JsonNode stream = body == null ? null : body.get("stream");
            return stream != null && stream.isBoolean() && stream.booleanValue();
        }
    }

    /**
     * One scripted answer: a whole body ({@link #json}) or an event stream ({@link #stream}).
     *
     * @param delay           wait before the status line and headers
     * @param stream          the stream script, or null for a whole-body reply
     * @param closeConnection close the connection after this reply (sent with {@code Connection: close}); a stream
     *                        is then sent without chunked framing, ending when the connection closes
     * @param drop            close the connection on reading the request, answering nothing ({@link #dropped()})
     */
    public record Reply(int status, Map<String, String> headers, String body, Duration delay, StreamScript stream,
                        boolean closeConnection, boolean drop) {

        public Reply {
            headers = Map.copyOf(headers);
            body = body == null ? "" : body;
            delay = delay == null ? Duration.ZERO : delay;
        }

        public Reply(int status, Map<String, String> headers, String body, Duration delay, StreamScript stream,
                     boolean closeConnection) {
            this(status, headers, body, delay, stream, closeConnection, false);
        }

        public Reply(int status, Map<String, String> headers, String body, Duration delay) {
            this(status, headers, body, delay, null, false);
        }

        /**
         * Closes the connection as soon as the request is read, sending nothing: what a client sees when the provider's
         * idle timeout closes a keep-alive connection just as the client sends a request on it.
         */
        public static Reply dropped() {
            return new Reply(0, Map.of(), "", Duration.ZERO, null, true, true);
        }

        public static Reply json(int status, String body) {
            return new Reply(status, Map.of("Content-Type", "application/json"), body, Duration.ZERO);
        }

        /**
         * A streaming reply: status 200, {@code Content-Type: text/event-stream}, {@code Transfer-Encoding: chunked}
         * (or, with {@link #connectionClose()} / {@link StreamScript#connectionClose()}, no length and
         * {@code Connection: close}).
         */
        public static Reply stream(StreamScript script) {
            return new Reply(200, Map.of("Content-Type", "text/event-stream", "Cache-Control", "no-cache"), "",
                    Duration.ZERO, script, false);
        }

        public Reply withHeader(String name, String value) {
            var copy = new HashMap<>(headers);
            copy.keySet().removeIf(k -> k.equalsIgnoreCase(name));
            copy.put(name, value);
            return new Reply(status, copy, body, delay, stream, closeConnection);
        }

        /** Waits this long before sending the status line (noticing a client that gives up meanwhile). */
        public Reply after(Duration wait) {
            return new Reply(status, headers, body, wait, stream, closeConnection);
        }

        /** Sends {@code Connection: close} and closes the connection after this reply. */
        public Reply connectionClose() {
            return new Reply(status, headers, body, delay, stream, true);
        }

        public boolean isStream() {
            return stream != null;
        }
    }

    /**
     * What a streaming reply sends, and how. Immutable: each method returns a changed copy.
     *
     * <p>The data events are, in order: the {@link #events} payloads, the {@link #chat} chunks, the
     * {@link #withUsage} chunk, the {@link #thenEvents} payloads. {@link #cutAfter} and {@link #stallAfter} count
     * those data events (comments do not count); a value beyond their number means the stream ends normally.
     */
    public static final class StreamScript {

        /** {@code chunks}: false when only a usage chunk carries this id (a {@link #withUsage} on raw events). */
        private record Chat(String id, long created, String model, List<String> tokens, boolean chunks) {
        }

        private List<String> head = List.of();
        private Chat chat;
        private int[] usage;
        private List<String> tail = List.of();
        private Duration interval = Duration.ZERO;
        private Duration firstByteDelay = Duration.ZERO;
        private Duration firstEventDelay = Duration.ZERO;
        private Long splitSeed;
        private Duration splitPause = Duration.ZERO;
        private boolean crlf;
        private boolean comments;
        private boolean noSpace;
        private String done;
        private boolean noDone;
        private int cutAfter = -1;
        private int stallAfter = -1;
        private boolean connectionClose;

        private StreamScript() {
        }

        private StreamScript copy() {
            StreamScript c = new StreamScript();
            c.head = head;
            c.chat = chat;
            c.usage = usage;
            c.tail = tail;
            c.interval = interval;
            c.firstByteDelay = firstByteDelay;
            c.firstEventDelay = firstEventDelay;
            c.splitSeed = splitSeed;
            c.splitPause = splitPause;
            c.crlf = crlf;
            c.comments = comments;
            c.noSpace = noSpace;
            c.done = done;
            c.noDone = noDone;
            c.cutAfter = cutAfter;
            c.stallAfter = stallAfter;
            c.connectionClose = connectionClose;
            return c;
        }

        /** Each payload becomes {@code data: <payload>} and a blank line. */
        public static StreamScript events(String... dataPayloads) {
            StreamScript s = new StreamScript();
            s.head = List.of(dataPayloads);
            return s;
        }

        /**
         * Realistic {@code chat.completion.chunk} payloads: a first chunk with delta
         * {@code {"role":"assistant","content":""}}, one chunk per token, a last chunk with an empty delta and
         * {@code finish_reason: "stop"}; all with the same id ({@code chatcmpl-sim-<n>}), created and model.
         */
        public static StreamScript chat(String model, String... tokens) {
            StreamScript s = new StreamScript();
            s.chat = new Chat("chatcmpl-sim-" + IDS.incrementAndGet(), Instant.now().getEpochSecond(), model, List.of(tokens), true);
            return s;
        }

        /**
         * Appends a usage-only chunk ({@code choices: []}), like OpenAI with {@code stream_options.include_usage}
         * (which then also sends {@code "usage": null} on every other chat chunk).
         */
        public StreamScript withUsage(int prompt, int completion) {
            StreamScript c = copy();
            c.usage = new int[] {prompt, completion};
            if (c.chat == null) {
                c.chat = new Chat("chatcmpl-sim-" + IDS.incrementAndGet(), Instant.now().getEpochSecond(), "simulated", List.of(), false);
            }
            return c;
        }

        /** Pause between data events (default none). */
        public StreamScript interval(Duration between) {
            StreamScript c = copy();
            c.interval = between;
            return c;
        }

        /** Wait before the status line and headers. */
        public StreamScript firstByteDelay(Duration d) {
            StreamScript c = copy();
            c.firstByteDelay = d;
            return c;
        }

        /** Headers go out at once, then this wait before the first event. */
        public StreamScript firstEventDelay(Duration d) {
            StreamScript c = copy();
            c.firstEventDelay = d;
            return c;
        }

        /**
         * Writes everything after the headers in random pieces of 1–7 bytes (one HTTP chunk each), flushing each,
         * with a 100 µs pause between the pieces of an event so that a reader really gets them in separate reads
         * (back-to-back tiny writes on loopback are often coalesced before the reader wakes up).
         */
        public StreamScript splitWrites(long seed) {
            return splitWrites(seed, Duration.ofNanos(100_000));
        }

        /** {@link #splitWrites(long)} with this pause between pieces ({@link Duration#ZERO}: back to back). */
        public StreamScript splitWrites(long seed, Duration pauseBetweenPieces) {
            StreamScript c = copy();
            c.splitSeed = seed;
            c.splitPause = pauseBetweenPieces;
            return c;
        }

        /** {@code \r\n} line ends. */
        public StreamScript crlf() {
            StreamScript c = copy();
            c.crlf = true;
            return c;
        }

        /** A {@code : OPENROUTER PROCESSING} comment and a blank line before every data event. */
        public StreamScript keepAliveComments() {
            StreamScript c = copy();
            c.comments = true;
            return c;
        }

        /** {@code data:{...}} instead of {@code data: {...}} (also for the default end marker). */
        public StreamScript noSpaceAfterColon() {
            StreamScript c = copy();
            c.noSpace = true;
            return c;
        }

        /** The end marker line, default {@code data: [DONE]}. */
        public StreamScript done(String line) {
            StreamScript c = copy();
            c.done = line;
            c.noDone = false;
            return c;
        }

        /** The stream ends cleanly after the last event, without an end marker. */
        public StreamScript noDone() {
            StreamScript c = copy();
            c.noDone = true;
            return c;
        }

        /** After this many data events, closes the socket abruptly: no end marker, no terminating zero chunk. */
        public StreamScript cutAfter(int events) {
            StreamScript c = copy();
            c.cutAfter = events;
            return c;
        }

        /**
         * After this many data events, sends nothing more but keeps the connection open until the peer closes it
         * or the simulator is closed.
         */
        public StreamScript stallAfter(int events) {
            StreamScript c = copy();
            c.stallAfter = events;
            return c;
        }

        /** Raw payloads appended after the chat chunks (e.g. an in-band error {@code {"error":{...}}}). */
        public StreamScript thenEvents(String... dataPayloads) {
            StreamScript c = copy();
            List<String> more = new ArrayList<>(tail);
            more.addAll(List.of(dataPayloads));
            c.tail = List.copyOf(more);
            return c;
        }

        /** No chunked framing: {@code Connection: close}, the body ends when the connection closes. */
        public StreamScript connectionClose() {
            StreamScript c = copy();
            c.connectionClose = true;
            return c;
        }

        /** The data payloads this script sends, in order (before any cut or stall). */
        public List<String> payloads() {
            List<String> all = new ArrayList<>(head);
            if (chat != null) {
                if (chat.chunks()) {
                    boolean usageNull = usage != null;
                    ObjectNode first = JSON.createObjectNode();
                    first.put("role", "assistant");
                    first.put("content", "");
                    all.add(chunk(first, null, usageNull));
                    for (String token : chat.tokens()) {
                        ObjectNode delta = JSON.createObjectNode();
                        delta.put("content", token);
                        all.add(chunk(delta, null, usageNull));
                    }
                    all.add(chunk(JSON.createObjectNode(), "stop", usageNull));
                }
                if (usage != null) {
                    ObjectNode n = header();
                    n.putArray("choices");
                    ObjectNode u = n.putObject("usage");
                    u.put("prompt_tokens", usage[0]);
                    u.put("completion_tokens", usage[1]);
                    u.put("total_tokens", usage[0] + usage[1]);
                    all.add(n.toString());
                }
            }
            all.addAll(tail);
            return List.copyOf(all);
        }

        private ObjectNode header() {
            ObjectNode n = JSON.createObjectNode();
            n.put("id", chat.id());
            n.put("object", "chat.completion.chunk");
            n.put("created", chat.created());
            n.put("model", chat.model());
            n.putNull("system_fingerprint");
            return n;
        }

        private String chunk(ObjectNode delta, String finishReason, boolean usageNull) {
            ObjectNode n = header();
            ArrayNode choices = n.putArray("choices");
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            if (finishReason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finishReason);
            }
            if (usageNull) {
                n.putNull("usage");
            }
            return n.toString();
        }

        private String eol() {
            return crlf ? "\r\n" : "\n";
        }

        private String dataEvent(String payload) {
            StringBuilder event = new StringBuilder();
            for (String line : payload.split("\r\n|\r|\n", -1)) {
                event.append(noSpace ? "data:" : "data: ").append(line).append(eol());
            }
            return event.append(eol()).toString();
        }

        private String commentEvent() {
            return ": OPENROUTER PROCESSING" + eol() + eol();
        }

        private String doneEvent() {
            String line = done != null ? done : (noSpace ? "data:[DONE]" : "data: [DONE]");
            return line + eol() + eol();
        }
    }

    private final String name;
    private final ServerSocket server;
    private final ExecutorService pool;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedDeque<Reply> modelsScript = new ConcurrentLinkedDeque<>();
    private final List<Received> modelsReceived = new CopyOnWriteArrayList<>();
    private volatile Reply modelsAlways = Reply.json(200, MODEL_LIST);
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
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
            Connection conn = new Connection(socket);
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
        modelsReceived.add(new Received(request.path(), request.headers(), request.body()));
        Reply reply = modelsScript.poll();
        return reply != null ? reply : modelsAlways;
    }

    private Reply reply(Request request) {
        received.add(new Received(request.path(), request.headers(), request.body()));
        Reply reply = script.poll();
        if (reply == null) {
            reply = always != null ? always : Reply.json(200, completion(request.body().path("model").asText()));
        }
        return reply;
    }

    /** A whole-body reply with Content-Length; true if the connection can carry another request. */
    private boolean serveWhole(Connection conn, Reply reply, boolean keepAlive) {
        if (!conn.watch(reply.delay())) {
            peerLeft(false);
            return false;
        }
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        boolean ownLength = reply.headers().keySet().stream().anyMatch(k -> k.equalsIgnoreCase("Content-Length"));
        boolean keep = keepAlive && !ownLength;
        StringBuilder head = statusAndHeaders(reply);
        if (!ownLength) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        if (!keep) {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        try {
            conn.write(out.toByteArray());
        } catch (IOException e) {
            peerLeft(false);
            return false;
        }
        return keep;
    }

    private enum End { FINISHED, CLOSED }

    /** A streaming reply; true if the connection can carry another request. */
    private boolean serveStream(Connection conn, Reply reply, boolean keepAlive) {
        synchronized (streamLock) {
            openStreams++;
        }
        try {
            StreamScript s = reply.stream();
            boolean chunked = !s.connectionClose && !reply.closeConnection();
            End end = writeStream(conn, reply, s, chunked, keepAlive);
            return end == End.FINISHED && chunked && keepAlive;
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

    /** Writes the stream; throws IOException when the peer is gone (write failure or EOF while waiting). */
    private End writeStream(Connection conn, Reply reply, StreamScript s, boolean chunked, boolean keepAlive) throws IOException {
        conn.watchOrThrow(reply.delay().plus(s.firstByteDelay));
        StringBuilder head = statusAndHeaders(reply);
        if (chunked) {
            head.append("Transfer-Encoding: chunked\r\n");
            if (!keepAlive) {
                head.append("Connection: close\r\n");
            }
        } else {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        conn.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));

        Split split = s.splitSeed == null ? null : new Split(new Random(s.splitSeed), s.splitPause.toNanos());
        conn.watchOrThrow(s.firstEventDelay);
        List<String> payloads = s.payloads();
        for (int i = 0; ; i++) {
            if (s.cutAfter == i) {
                conn.socket.close(); // abrupt: no end marker, no terminating chunk
                return End.CLOSED;
            }
            if (s.stallAfter == i) {
                while (!closed) {
                    conn.watchOrThrow(Duration.ofMillis(POLL_MILLIS));
                }
                return End.CLOSED;
            }
            if (i == payloads.size()) {
                break;
            }
            if (i > 0) {
                conn.watchOrThrow(s.interval);
            }
            if (s.comments) {
                send(conn, s.commentEvent(), chunked, split);
            }
            send(conn, s.dataEvent(payloads.get(i)), chunked, split);
        }
        if (!s.noDone) {
            send(conn, s.doneEvent(), chunked, split);
        }
        if (chunked) {
            conn.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return End.FINISHED;
        }
        conn.socket.shutdownOutput();
        conn.socket.close();
        return End.CLOSED;
    }

    private record Split(Random random, long pauseNanos) {
    }

    private static void send(Connection conn, String text, boolean chunked, Split split) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (split == null) {
            conn.write(frame(bytes, 0, bytes.length, chunked));
            return;
        }
        for (int at = 0; at < bytes.length; ) {
            if (at > 0 && split.pauseNanos() > 0) {
                LockSupport.parkNanos(split.pauseNanos());
            }
            int n = Math.min(bytes.length - at, 1 + split.random().nextInt(7));
            conn.write(frame(bytes, at, n, chunked));
            at += n;
        }
    }

    private static byte[] frame(byte[] bytes, int offset, int length, boolean chunked) {
        if (!chunked) {
            return Arrays.copyOfRange(bytes, offset, offset + length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 12);
        out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes, offset, length);
        out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    private static StringBuilder statusAndHeaders(Reply reply) {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(reply.status()).append(' ').append(reason(reply.status())).append("\r\n");
        head.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atZone(ZoneOffset.UTC))).append("\r\n");
        reply.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        return head;
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

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 408 -> "Request Timeout";
            case 413 -> "Payload Too Large";
            case 422 -> "Unprocessable Entity";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 529 -> "Site Overloaded";
            default -> "Status " + status;
        };
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private record Request(String method, String path, Map<String, List<String>> headers, JsonNode body, boolean keepAlive) {
    }

    /** One accepted socket, with its own read buffer so that polling for EOF never loses request bytes. */
    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private byte[] buf = new byte[8192];
        private int pos;
        private int lim;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes); // unbuffered: one write per call, sent at once (TCP_NODELAY)
            out.flush();
        }

        /** One read from the socket into the buffer: bytes read, or -1 at end of stream. */
        private int fill() throws IOException {
            if (pos == lim) {
                pos = 0;
                lim = 0;
            } else if (lim == buf.length) {
                if (pos > 0) {
                    System.arraycopy(buf, pos, buf, 0, lim - pos);
                    lim -= pos;
                    pos = 0;
                } else {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
            int n = in.read(buf, lim, buf.length - lim);
            if (n > 0) {
                lim += n;
            }
            return n;
        }

        /**
         * Waits this long while reading the socket at least every {@value POLL_MILLIS} ms; false if the peer closed
         * the connection (or it failed, or the simulator closed it) meanwhile.
         */
        boolean watch(Duration wait) {
            if (wait.isZero() || wait.isNegative()) {
                return true;
            }
            long deadline = System.nanoTime() + wait.toNanos();
            try {
                while (true) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        return true;
                    }
                    socket.setSoTimeout((int) Math.min(POLL_MILLIS, left));
                    try {
                        if (fill() < 0) {
                            return false;
                        }
                    } catch (SocketTimeoutException e) {
                        // nothing arrived: the peer is still there
                    }
                }
            } catch (IOException e) {
                return false;
            } finally {
                try {
                    socket.setSoTimeout(0);
                } catch (IOException ignored) {
                    // closed
                }
            }
        }

        void watchOrThrow(Duration wait) throws IOException {
            if (!watch(wait)) {
                throw new EOFException("the peer closed the connection");
            }
        }

        private int read() throws IOException {
            if (pos == lim && fill() < 0) {
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        /** A line without its end; null at end of stream before any byte. */
        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = read()) != '\n') {
                if (b < 0) {
                    if (line.size() == 0) {
                        return null;
                    }
                    throw new EOFException("end of stream inside a line");
                }
                if (line.size() >= MAX_LINE) {
                    throw new IOException("line too long");
                }
                line.write(b);
            }
            String s = line.toString(StandardCharsets.ISO_8859_1);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        private byte[] readExactly(long n) throws IOException {
            if (n < 0 || n > 64L * 1024 * 1024) {
                throw new IOException("bad length " + n);
            }
            byte[] bytes = new byte[(int) n];
            for (int at = 0; at < n; ) {
                if (pos == lim && fill() < 0) {
                    throw new EOFException("end of stream inside a body");
                }
                int take = Math.min(lim - pos, (int) n - at);
                System.arraycopy(buf, pos, bytes, at, take);
                pos += take;
                at += take;
            }
            return bytes;
        }

        /** The next request, or null when the peer closed the connection between requests. */
        Request readRequest() throws IOException {
            String line;
            do {
                line = readLine();
                if (line == null) {
                    return null;
                }
            } while (line.isEmpty());
            String[] parts = line.split(" ");
            if (parts.length != 3) {
                throw new IOException("bad request line: " + line);
            }
            String version = parts[2];
            Map<String, List<String>> headers = new LinkedHashMap<>();
            Map<String, String> names = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            while (true) {
                String header = readLine();
                if (header == null) {
                    throw new EOFException("end of stream inside the headers");
                }
                if (header.isEmpty()) {
                    break;
                }
                int colon = header.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("bad header: " + header);
                }
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                String key = names.computeIfAbsent(name, n -> n);
                headers.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
            if ("100-continue".equalsIgnoreCase(first(headers, names, "Expect"))) {
                write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            byte[] body;
            String transferEncoding = first(headers, names, "Transfer-Encoding");
            String contentLength = first(headers, names, "Content-Length");
            if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                body = readChunked();
            } else if (contentLength != null) {
                body = readExactly(Long.parseLong(contentLength.trim()));
            } else {
                body = new byte[0];
            }
            String connection = String.valueOf(first(headers, names, "Connection")).toLowerCase(Locale.ROOT);
            boolean keepAlive = version.equals("HTTP/1.1") ? !connection.contains("close") : connection.contains("keep-alive");
            Map<String, List<String>> frozen = new LinkedHashMap<>();
            headers.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
            return new Request(parts[0], path(parts[1]), Collections.unmodifiableMap(frozen), parse(body), keepAlive);
        }

        private byte[] readChunked() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = readLine();
                if (size == null) {
                    throw new EOFException("end of stream inside a chunked body");
                }
                int semicolon = size.indexOf(';');
                long n = Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
                if (n == 0) {
                    String trailer;
                    do {
                        trailer = readLine();
                    } while (trailer != null && !trailer.isEmpty());
                    return body.toByteArray();
                }
                body.writeBytes(readExactly(n));
                readLine();
            }
        }

        private static String first(Map<String, List<String>> headers, Map<String, String> names, String name) {
            String key = names.get(name);
            return key == null ? null : headers.get(key).get(0);
        }

        private static String path(String target) {
            try {
                String path = URI.create(target).getPath();
                return path != null ? path : target;
            } catch (IllegalArgumentException e) {
                int query = target.indexOf('?');
                return query >= 0 ? target.substring(0, query) : target;
            }
        }

        private static JsonNode parse(byte[] body) {
            if (body.length == 0) {
                return MissingNode.getInstance();
            }
            try {
                JsonNode node = JSON.readTree(body);
                return node != null ? node : MissingNode.getInstance();
            } catch (IOException e) {
                return TextNode.valueOf(new String(body, StandardCharsets.UTF_8));
            }
        }
    }
}
