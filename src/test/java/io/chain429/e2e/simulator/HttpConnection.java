package io.chain429.e2e.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One accepted socket: reads HTTP/1.1 requests, writes bytes as they are given, and notices the peer leaving while the
 * simulator waits. It has its own read buffer so that polling for EOF never loses request bytes.
 */
final class HttpConnection {

    /** While waiting (delays, intervals, stalls) the socket is read at least this often to notice a closed peer. */
    static final int POLL_MILLIS = 50;
    private static final int MAX_LINE = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request as read off the wire; {@code arrivedNanos}: {@link System#nanoTime()} once it was read whole. */
    record Request(String method, String path, Map<String, List<String>> headers, JsonNode body, boolean keepAlive, long arrivedNanos) {
    }

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private byte[] buf = new byte[8192];
    private int pos;
    private int lim;

    HttpConnection(Socket socket) throws IOException {
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
        return new Request(parts[0], path(parts[1]), Collections.unmodifiableMap(frozen), parse(body), keepAlive, System.nanoTime());
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
