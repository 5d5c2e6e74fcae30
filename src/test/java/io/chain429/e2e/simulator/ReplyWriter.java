package io.chain429.e2e.simulator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Writes a {@link Reply} on a connection: a whole body with its length, or an event stream exactly as its
 * {@link StreamScript} says — tiny writes, CRLF line ends, keep-alive comments, stalls, abrupt cuts. Both throw
 * {@link IOException} when the peer leaves before the reply is finished (a failed write, or EOF while waiting).
 */
final class ReplyWriter {

    private record Split(Random random, long pauseNanos) {
    }

    private ReplyWriter() {
    }

    /** A whole-body reply with Content-Length; true if the connection can carry another request. */
    static boolean writeWhole(HttpConnection conn, Reply reply, boolean keepAlive) throws IOException {
        conn.watchOrThrow(reply.delay());
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
        conn.write(out.toByteArray());
        return keep;
    }

    /**
     * A streaming reply; true if the connection can carry another request.
     *
     * @param closing whether the simulator is closing: a stalled stream waits until then (or until the peer leaves)
     */
    static boolean writeStream(HttpConnection conn, Reply reply, boolean keepAlive, BooleanSupplier closing) throws IOException {
        StreamScript s = reply.stream();
        boolean chunked = !s.connectionClose && !reply.closeConnection();
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
                return false;
            }
            if (s.stallAfter == i) {
                while (!closing.getAsBoolean()) {
                    conn.watchOrThrow(Duration.ofMillis(HttpConnection.POLL_MILLIS));
                }
                return false;
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
            return keepAlive;
        }
        conn.socket.shutdownOutput();
        conn.socket.close();
        return false;
    }

    private static void send(HttpConnection conn, String text, boolean chunked, Split split) throws IOException {
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
}
