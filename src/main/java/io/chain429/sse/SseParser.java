package io.chain429.sse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Incremental Server-Sent-Events parser for provider streams (WHATWG "event stream interpretation", restricted to
 * what a proxy needs: only {@code data} fields matter).
 *
 * <p>Rules: lines end in {@code \n}, {@code \r\n} or a lone {@code \r} (a {@code \r} ending one feed followed by a
 * {@code \n} starting the next is one line end); a blank line dispatches the event if it had at least one
 * {@code data} line; {@code data:} with or without one leading space (exactly one is stripped); several data lines
 * are joined with {@code \n}; a line without a colon is a field name with an empty value; fields other than
 * {@code data} are ignored; lines starting with {@code :} are comments (counted, never dispatched); a UTF-8 BOM at
 * stream start is skipped; UTF-8 is decoded once per dispatched event, so multi-byte characters may be split anywhere.
 *
 * <p>Hot path: lines that arrive whole inside one feed are parsed in place (no copy); only a line split across feeds
 * is copied into a reusable buffer; data bytes are copied once into a reusable event buffer; one String and one
 * {@link SseEvent} are allocated per dispatched event ({@code [DONE]} reuses {@link SseEvent#DONE}).
 *
 * <p>Not thread-safe: one parser per stream, fed by one thread at a time. Sinks must not re-enter the parser. If a
 * sink throws, the exception propagates and the rest of that feed is lost.
 */
public final class SseParser {

    /**
     * A line (excluding its terminator) longer than the parser's limit. Once thrown, the parser is failed: every later
     * {@code feed}/{@code finish} call throws it again.
     */
    public static final class LineTooLongException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        private final int limit;

        LineTooLongException(int limit) {
            super("SSE line longer than " + limit + " bytes");
            this.limit = limit;
        }

        /** The limit that was exceeded, in bytes. */
        public int limit() {
            return limit;
        }
    }

    /** Default max line length: 1 MiB. */
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    private static final int SHRINK_ABOVE = 64 * 1024;
    private static final int INITIAL_LINE = 512;
    private static final int INITIAL_DATA = 1024;
    private static final int SCRATCH = 16 * 1024;

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final int maxLineBytes;

    /** Bytes of a line split across feeds (the line's start). */
    private byte[] line = new byte[INITIAL_LINE];
    private int lineLen;

    /** The current event's data lines, already joined with '\n'. */
    private byte[] data = new byte[INITIAL_DATA];
    private int dataLen;
    private int dataLines;

    /** The previous feed ended in '\r': a '\n' starting the next one belongs to that line end. */
    private boolean skipLf;
    /** False until the first byte that cannot be part of a leading BOM. */
    private boolean started;
    /** How many bytes of a leading BOM have been seen (only while !started). */
    private int bomMatched;

    private int comments;
    private LineTooLongException failure;
    private byte[] scratch;

    public SseParser() {
        this(DEFAULT_MAX_LINE_BYTES);
    }

    /** @param maxLineBytes the longest line (bytes, excluding the line end) accepted; must be positive */
    public SseParser(int maxLineBytes) {
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Feeds the next bytes read from the wire (any split, even inside a UTF-8 sequence or a CRLF pair); calls sink
     * for each complete event, in order. Consumes all remaining bytes: the buffer's position ends at its limit.
     */
    public void feed(ByteBuffer bytes, Consumer<SseEvent> sink) {
        Objects.requireNonNull(sink, "sink");
        if (bytes.hasArray()) {
            int pos = bytes.position();
            int len = bytes.remaining();
            bytes.position(bytes.limit());
            feed(bytes.array(), bytes.arrayOffset() + pos, len, sink);
            return;
        }
        // direct or read-only buffer: copy through a reusable scratch array
        while (bytes.hasRemaining()) {
            if (scratch == null) {
                scratch = new byte[SCRATCH];
            }
            int n = Math.min(bytes.remaining(), scratch.length);
            bytes.get(scratch, 0, n);
            feed(scratch, 0, n, sink);
        }
    }

    /** Same as {@link #feed(ByteBuffer, Consumer)} for {@code bytes[offset, offset + length)}. */
    public void feed(byte[] bytes, int offset, int length, Consumer<SseEvent> sink) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        Objects.requireNonNull(sink, "sink");
        if (failure != null) {
            throw failure;
        }
        int end = offset + length;
        int i = offset;
        if (!started) {
            i = skipBom(bytes, i, end);
            if (i == end) {
                return;
            }
        }
        if (skipLf) {
            if (i == end) {
                return;
            }
            skipLf = false;
            if (bytes[i] == LF) {
                i++;
            }
        }
        int lineStart = i;
        while (i < end) {
            byte b = bytes[i];
            if (b > CR || (b != LF && b != CR)) {
                i++;
                continue;
            }
            // a line ends at i
            if (lineLen == 0) {
                if (i - lineStart > maxLineBytes) {
                    throw fail();
                }
                line(bytes, lineStart, i, sink);
            } else {
                appendLine(bytes, lineStart, i);
                int n = lineLen;
                lineLen = 0;
                line(line, 0, n, sink);
            }
            i++;
            if (b == CR) {
                if (i == end) {
                    skipLf = true;
                } else if (bytes[i] == LF) {
                    i++;
                }
            }
            lineStart = i;
        }
        if (lineStart < end) {
            appendLine(bytes, lineStart, end);
        }
    }

    /**
     * End of stream. A trailing line without a line end is taken as complete, then an event whose data lines were
     * read but whose terminating blank line never came is dispatched (providers often close right after
     * {@code "data: [DONE]\n"}). The parser is then reset for a new stream; {@link #comments()} keeps counting.
     */
    public void finish(Consumer<SseEvent> sink) {
        Objects.requireNonNull(sink, "sink");
        if (failure != null) {
            throw failure;
        }
        if (!started && bomMatched > 0) {
            // a partial BOM followed by nothing: those bytes are a (garbage) line
            appendLine(BOM, 0, bomMatched);
        }
        if (lineLen > 0) {
            int n = lineLen;
            lineLen = 0;
            line(line, 0, n, sink);
        }
        started = false;
        bomMatched = 0;
        skipLf = false;
        dispatch(sink);
        if (line.length > SHRINK_ABOVE) {
            line = new byte[INITIAL_LINE];
        }
        if (data.length > SHRINK_ABOVE) {
            data = new byte[INITIAL_DATA];
        }
    }

    /** Comment lines (starting with ':') seen so far, e.g. OpenRouter's ": OPENROUTER PROCESSING" keep-alives. */
    public int comments() {
        return comments;
    }

    /**
     * Bytes currently held for an incomplete line and an undispatched event; lets callers cap memory per stream
     * (a single line is capped by the constructor's limit, an event with very many data lines is not).
     */
    public int bufferedBytes() {
        return lineLen + dataLen + (started ? 0 : bomMatched);
    }

    // ------------------------------------------------------------------------------------------------------------

    /** Consumes a leading BOM (possibly split across feeds); returns where normal parsing starts. */
    private int skipBom(byte[] bytes, int i, int end) {
        while (i < end) {
            if (bytes[i] == BOM[bomMatched]) {
                i++;
                if (++bomMatched == BOM.length) {
                    started = true;
                    bomMatched = 0;
                    return i;
                }
            } else {
                // not a BOM after all: the bytes matched so far start the first line
                started = true;
                if (bomMatched > 0) {
                    appendLine(BOM, 0, bomMatched);
                    bomMatched = 0;
                }
                return i;
            }
        }
        return i;
    }

    private void appendLine(byte[] src, int from, int to) {
        int n = to - from;
        int need = lineLen + n;
        if (need > maxLineBytes) {
            throw fail();
        }
        if (need > line.length) {
            line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(need, line.length << 1)));
        }
        System.arraycopy(src, from, line, lineLen, n);
        lineLen = need;
    }

    private LineTooLongException fail() {
        lineLen = 0;
        failure = new LineTooLongException(maxLineBytes);
        return failure;
    }

    /** One complete line, {@code b[from, to)} without its line end. */
    private void line(byte[] b, int from, int to, Consumer<SseEvent> sink) {
        int len = to - from;
        if (len == 0) {
            dispatch(sink);
            return;
        }
        byte first = b[from];
        if (first == ':') {
            comments++;
            return;
        }
        if (first != 'd') {
            return; // event, id, retry, unknown fields: ignored
        }
        // field name "data", then end of line or ':'
        if (len < 4 || b[from + 1] != 'a' || b[from + 2] != 't' || b[from + 3] != 'a') {
            return;
        }
        int v = from + 4;
        if (v < to) {
            if (b[v] != ':') {
                return; // e.g. "database: x"
            }
            v++;
            if (v < to && b[v] == ' ') {
                v++;
            }
        }
        appendData(b, v, to);
    }

    private void appendData(byte[] src, int from, int to) {
        int n = to - from;
        int sep = dataLines > 0 ? 1 : 0;
        int need = dataLen + sep + n;
        if (need > data.length) {
            data = Arrays.copyOf(data, Math.max(need, data.length << 1));
        }
        if (sep != 0) {
            data[dataLen] = LF;
        }
        System.arraycopy(src, from, data, dataLen + sep, n);
        dataLen = need;
        dataLines++;
    }

    private void dispatch(Consumer<SseEvent> sink) {
        if (dataLines == 0) {
            return;
        }
        byte[] d = data;
        int n = dataLen;
        SseEvent event = isDoneBytes(d, n) ? SseEvent.DONE : new SseEvent(new String(d, 0, n, StandardCharsets.UTF_8));
        dataLen = 0;
        dataLines = 0;
        sink.accept(event);
    }

    private static boolean isDoneBytes(byte[] d, int n) {
        return n == 6 && d[0] == '[' && d[1] == 'D' && d[2] == 'O' && d[3] == 'N' && d[4] == 'E' && d[5] == ']';
    }
}
