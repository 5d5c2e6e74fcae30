package io.chain429.e2e;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * A client speaking HTTP/2 in clear text with prior knowledge (h2c) over a plain socket, frame by frame, as a hostile
 * or broken client would: it writes exactly the frames a test asks for, acknowledges the server's settings and
 * nothing else (no window updates, no pings), and tells whether the server closed the connection.
 */
final class RawHttp2Connection implements AutoCloseable {

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int GOAWAY = 0x7;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;
    static final int ACK = 0x1;
    static final int PADDED = 0x8;
    static final int PRIORITY = 0x20;
    /** RST_STREAM's error code when a stream is no longer wanted (RFC 9113 §7) */
    static final int CANCEL = 0x8;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    record Frame(int type, int flags, int stream, byte[] payload) {

        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** The error code of a RST_STREAM or GOAWAY frame. */
        int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
        }
    }

    private final Socket socket;
    /** the server's header blocks share one HPACK table per connection, so one decoder reads them all */
    private final DefaultHttp2HeadersDecoder hpack = new DefaultHttp2HeadersDecoder(true);
    private final DataInputStream in;
    private final OutputStream out;
    private boolean closedByServer;

    private RawHttp2Connection(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) RawConnection.READ_GUARD.toMillis());
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and sends the client's connection preface: the magic string and an empty SETTINGS frame. */
    static RawHttp2Connection to(RunningGateway gateway) throws IOException {
        return connect(gateway, new byte[0]);
    }

    /**
     * Connects with every stream's flow-control window shut (SETTINGS_INITIAL_WINDOW_SIZE 0), and never opens one: the
     * server may send the head of an answer but none of its body.
     */
    static RawHttp2Connection takingNothing(RunningGateway gateway) throws IOException {
        return connect(gateway, new byte[] {0x00, 0x04, 0x00, 0x00, 0x00, 0x00});
    }

    private static RawHttp2Connection connect(RunningGateway gateway, byte[] settings) throws IOException {
        RawHttp2Connection connection = new RawHttp2Connection(new Socket("127.0.0.1", gateway.uri("/").getPort()));
        connection.out.write(PREFACE);
        connection.frame(SETTINGS, 0, 0, settings);
        return connection;
    }

    /**
     * Opens a stream with a request's headers in one HEADERS frame, each as an HPACK literal without indexing (names
     * and values under 127 bytes, as here), so no header table is involved.
     */
    RawHttp2Connection request(int stream, boolean endStream, String... namesAndValues) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            block.write(0x00);
            literal(block, namesAndValues[i]);
            literal(block, namesAndValues[i + 1]);
        }
        return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block.toByteArray());
    }

    RawHttp2Connection data(int stream, boolean endStream, String text) throws IOException {
        return frame(DATA, endStream ? END_STREAM : 0, stream, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The headers of a HEADERS frame from the server, decoded in the order the frames came. */
    Http2Headers headers(Frame frame) throws Http2Exception {
        byte[] payload = frame.payload();
        int from = frame.has(PADDED) ? 1 : 0;
        int to = payload.length - (frame.has(PADDED) ? payload[0] & 0xff : 0);
        if (frame.has(PRIORITY)) {
            from += 5; // stream dependency and weight
        }
        return hpack.decodeHeaders(frame.stream(), Unpooled.wrappedBuffer(payload, from, to - from));
    }

    /** Reads frames, acknowledging the server's settings, until one matches; fails if the connection ends first. */
    Frame readUntil(Predicate<Frame> wanted) throws IOException {
        while (true) {
            Frame frame = readFrame();
            if (frame == null) {
                throw new EOFException("the server closed the connection before the frame awaited");
            }
            if (wanted.test(frame)) {
                return frame;
            }
        }
    }

    /**
     * Reads until the server closes the connection (true) or the read guard lapses (false), skipping any frames, a
     * GOAWAY among them.
     */
    boolean closedByServer() throws IOException {
        try {
            while (readFrame() != null) {
                // the server's last frames
            }
            return true;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        }
    }

    private Frame readFrame() throws IOException {
        if (closedByServer) {
            return null;
        }
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException | SocketException closed) {
            closedByServer = true;
            return null;
        }
        int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
        int stream = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8) | (head[8] & 0xff);
        byte[] payload = new byte[length];
        in.readFully(payload);
        Frame frame = new Frame(head[3] & 0xff, head[4] & 0xff, stream, payload);
        if (frame.type() == SETTINGS && !frame.has(ACK)) {
            try {
                frame(SETTINGS, ACK, 0, new byte[0]);
            } catch (IOException closing) {
                // the server closed its side meanwhile: what is left to read says so
            }
        }
        return frame;
    }

    private RawHttp2Connection frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = {
            (byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
            (byte) type, (byte) flags,
            (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
        out.write(head);
        out.write(payload);
        out.flush();
        return this;
    }

    private static void literal(ByteArrayOutputStream block, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= 127) {
            throw new IllegalArgumentException("over 126 bytes, which needs HPACK's multi-byte length: " + text);
        }
        block.write(bytes.length);
        block.writeBytes(bytes);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
