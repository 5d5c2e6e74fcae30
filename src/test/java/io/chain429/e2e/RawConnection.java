package io.chain429.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client speaking HTTP/1.1 over a plain socket, byte by byte if need be, as a hostile or broken client would: what it
 * sends is exactly what is written, and what it reads shows whether the server closed the connection.
 */
final class RawConnection implements AutoCloseable {

    /** How long a read waits before the test fails: a guard, never the measure of a test. */
    static final Duration READ_GUARD = Duration.ofSeconds(20);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "raw-connection-trickle");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger trickled = new AtomicInteger();

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) READ_GUARD.toMillis());
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static RawConnection to(RunningGateway gateway) {
        try {
            return new RawConnection(new Socket("127.0.0.1", gateway.uri("/").getPort()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Over a socket already connected (a TLS one, say). */
    static RawConnection over(Socket socket) throws IOException {
        return new RawConnection(socket);
    }

    /** A GET with no body, as a request's bytes. */
    static String getRequest(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    /** A POST of this JSON to {@code /v1/chat/completions}, framed by its Content-Length, as a request's bytes. */
    static String chatRequest(String json) {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json;
    }

    RawConnection send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** Sends {@code text} one byte every {@code interval}, in the background, until it is all sent or the server closes. */
    RawConnection trickle(String text, Duration interval) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        trickle.scheduleAtFixedRate(() -> {
            int next = trickled.get();
            if (next >= bytes.length) {
                throw new IllegalStateException("all sent"); // ends the schedule
            }
            try {
                out.write(bytes[next]);
                out.flush();
                trickled.incrementAndGet();
            } catch (IOException closed) {
                throw new UncheckedIOException(closed); // ends the schedule
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** How many bytes {@link #trickle} has sent so far. */
    int trickled() {
        return trickled.get();
    }

    /** One answer: status line, headers, and a body framed by Content-Length or chunked coding. */
    Answer readAnswer() throws IOException {
        String head = readHead();
        if (head == null) {
            throw new IOException("the server closed the connection without answering");
        }
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        if (status < 200) {
            return readAnswer(); // 100 Continue: the answer follows
        }
        String body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = readChunked();
        } else {
            body = new String(in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0"))), StandardCharsets.UTF_8);
        }
        return new Answer(status, headers, body);
    }

    /**
     * Whether the server has closed the connection: the next read ends the stream (or the connection was reset) without a
     * byte. Fails if bytes arrive, and after {@link #READ_GUARD} of silence.
     */
    boolean closedByServer() throws IOException {
        try {
            int next = in.read();
            if (next >= 0) {
                throw new AssertionError("the server sent more: '" + (char) next + new String(in.readNBytes(in.available()),
                        StandardCharsets.ISO_8859_1) + "'");
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true; // a reset closes too
        }
    }

    /**
     * Whether the server closes the connection, whatever it sends first (a protocol switch, say): reads until the
     * stream ends (true) or {@link #READ_GUARD} of silence (false).
     */
    boolean closedByServerAfterAnyAnswer() throws IOException {
        try {
            while (in.read() >= 0) {
                in.skipNBytes(in.available());
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int lastFour = 0;
        while (lastFour != 0x0D0A0D0A) {
            int b = in.read();
            if (b < 0) {
                return head.size() == 0 ? null : head.toString(StandardCharsets.ISO_8859_1);
            }
            head.write(b);
            lastFour = (lastFour << 8) | b;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    private String readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine();
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                while (!readLine().isEmpty()) {
                    // trailers
                }
                return body.toString(StandardCharsets.UTF_8);
            }
            body.write(in.readNBytes(size));
            readLine();
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        trickle.shutdownNow();
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
        }
    }

    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
