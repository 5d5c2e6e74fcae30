package io.chain429.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Property test: however a stream is cut into feeds, the parser yields exactly the events (and comment count) of one
 * single feed. Seeded; rerun a failure with {@code -Dsse.seed=<seed printed in the message>}.
 */
class SseParserFragmentationTest {

    private static final long MASTER_SEED = Long.getLong("sse.seed", System.nanoTime());

    private static final int STREAMS = 30;
    private static final int FRAGMENTATIONS_PER_STREAM = 70;
    private static final int GARBAGE_STREAMS = 400;

    private static final String[] TOKENS = {
        "Hello", " world", ",", " the", " quick", " brown", " fox", ".", " ", "  ", "\\n", "\\\"quoted\\\"", "\\u00e9",
        " 世界", "你好", "日本語", "한국어", " Привет", " naïve", " café", "ñ", "ü", "—", "…", "€", "😀", "👋🏽",
        "🎉", "𝄞", "🧪", "∑", ":", " data:", " [DONE]", "{", "}", "\t"
    };
    private static final String[] MODELS = {
        "meta-llama/llama-3.3-70b-instruct:free", "gpt-4o-mini", "deepseek/deepseek-chat-v3-0324:free", "gemini-2.0-flash"
    };
    private static final String[] COMMENTS = {": OPENROUTER PROCESSING", ": keep-alive", ":", ":ping", ": 处理中 ⏳"};
    private static final String[] DONE_LINES = {"data: [DONE]", "data:[DONE]", "data:  [DONE] ", "data: [DONE]\t"};
    private static final String[] DONE_DATA = {"[DONE]", "[DONE]", " [DONE] ", "[DONE]\t"};

    /** A generated stream and what parsing it must yield. */
    private record Sample(long seed, String description, byte[] bytes, List<String> events, int comments,
                          boolean endsWithDone) {
    }

    /** What one parse produced. */
    private record Outcome(List<String> events, int comments, boolean tooLong) {
    }

    // ------------------------------------------------------------------------------------------ stream builder

    /** Writes lines with the stream's line-end policy, never producing a CR-LF pair by accident. */
    private static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Random random;
        private final int mode; // 0: LF, 1: CRLF, 2: mixed LF / CRLF / lone CR per line
        private boolean lastWasLoneCr;

        Writer(Random random, int mode) {
            this.random = random;
            this.mode = mode;
        }

        void raw(byte[] b) {
            out.writeBytes(b);
        }

        void line(String text) {
            out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            String end;
            if (mode == 0) {
                end = "\n";
            } else if (mode == 1) {
                end = "\r\n";
            } else {
                int pick = random.nextInt(3);
                if (pick == 0 && lastWasLoneCr && text.isEmpty()) {
                    pick = 1; // "\r" + "\n" would be one line end, not two
                }
                end = pick == 0 ? "\n" : pick == 1 ? "\r\n" : "\r";
            }
            out.writeBytes(end.getBytes(StandardCharsets.US_ASCII));
            lastWasLoneCr = end.equals("\r");
        }

        void unterminated(String text) {
            out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static String content(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            sb.append(TOKENS[r.nextInt(TOKENS.length)]);
        }
        return sb.toString();
    }

    private static String chunk(Random r, String id, String model, int index) {
        String delta = r.nextInt(15) == 0 ? "{\"role\":\"assistant\",\"content\":\"\"}"
                : "{\"content\":\"" + content(r) + "\"}";
        String finish = r.nextInt(30) == 0 ? "\"stop\"" : "null";
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + (1_700_000_000 + index)
                + ",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                + finish + "}]}";
    }

    private static Sample realisticStream(long seed) {
        Random r = new Random(seed);
        int mode = r.nextInt(3);
        Writer w = new Writer(r, mode);
        boolean bom = r.nextInt(8) == 0;
        boolean noSpace = r.nextInt(3) == 0;
        boolean someNoSpace = r.nextInt(3) == 0;
        List<String> expected = new ArrayList<>();
        int comments = 0;
        if (bom) {
            w.raw(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        }
        String id = "chatcmpl-" + Long.toHexString(r.nextLong());
        String model = MODELS[r.nextInt(MODELS.length)];
        int events = 20 + r.nextInt(181);
        for (int e = 0; e < events; e++) {
            if (r.nextInt(6) == 0) { // keep-alive comments, as their own "event" or just before the data
                int n = 1 + r.nextInt(3);
                for (int i = 0; i < n; i++) {
                    w.line(COMMENTS[r.nextInt(COMMENTS.length)]);
                    comments++;
                }
                if (r.nextBoolean()) {
                    w.line("");
                }
            }
            if (r.nextInt(25) == 0) { // an event without data: not dispatched
                w.line("event: ping");
                w.line("");
                continue;
            }
            if (r.nextInt(8) == 0) {
                w.line("event: message");
            }
            if (r.nextInt(10) == 0) {
                w.line("id: " + e);
            }
            if (r.nextInt(40) == 0) {
                w.line("retry: 3000");
            }
            String payload = r.nextInt(50) == 0 ? "" : chunk(r, id, model, e);
            int pieces = r.nextInt(10) == 0 ? 2 + r.nextInt(3) : 1;
            List<String> values = split(r, payload, pieces);
            for (int i = 0; i < values.size(); i++) {
                String value = values.get(i);
                boolean omitSpace = (noSpace || (someNoSpace && r.nextBoolean())) && !value.startsWith(" ");
                w.line((omitSpace ? "data:" : "data: ") + value);
                if (i + 1 < values.size() && r.nextInt(5) == 0) {
                    w.line(COMMENTS[r.nextInt(COMMENTS.length)]); // a comment inside an event does not end it
                    comments++;
                }
            }
            expected.add(String.join("\n", values));
            w.line("");
            if (r.nextInt(20) == 0) {
                w.line(""); // stray blank line
            }
        }
        String ending;
        int end = r.nextInt(10);
        if (end == 0) {
            ending = "no [DONE], closed after a blank line";
        } else {
            int v = r.nextInt(DONE_LINES.length);
            expected.add(DONE_DATA[v]);
            if (end <= 5) {
                ending = "[DONE] + blank line";
                w.line(DONE_LINES[v]);
                w.line("");
                if (r.nextInt(4) == 0) {
                    w.line(": bye");
                    comments++;
                }
            } else if (end <= 8) {
                ending = "[DONE] + line end only";
                w.line(DONE_LINES[v]);
            } else {
                ending = "[DONE] without line end";
                w.unterminated(DONE_LINES[v]);
            }
        }
        String description = "mode=" + new String[] {"LF", "CRLF", "mixed"}[mode] + " bom=" + bom + " noSpace=" + noSpace
                + " someNoSpace=" + someNoSpace + " events=" + events + " ending=" + ending;
        return new Sample(seed, description, w.bytes(), expected, comments, end != 0);
    }

    /** Splits s into n pieces at random char positions that do not break a surrogate pair. */
    private static List<String> split(Random r, String s, int n) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = 1; i < n; i++) {
            int at = from + r.nextInt(s.length() - from + 1);
            if (at > 0 && at < s.length() && Character.isLowSurrogate(s.charAt(at))) {
                at--;
            }
            at = Math.max(at, from);
            out.add(s.substring(from, at));
            from = at;
        }
        out.add(s.substring(from));
        return out;
    }

    // ---------------------------------------------------------------------------------------------- feeding

    private enum Strategy { TINY, LARGE, ONE_BYTE, LINE_BOUNDARIES, MIXED }

    private static final Strategy[] RANDOM_STRATEGIES = {
        Strategy.TINY, Strategy.LARGE, Strategy.MIXED, Strategy.LARGE, Strategy.MIXED, Strategy.LINE_BOUNDARIES
    };

    /**
     * Parses b cut into pieces by strategy; each piece goes in through a randomly chosen entry point (array with
     * offset, heap ByteBuffer window, direct ByteBuffer, read-only ByteBuffer). Empty feeds are mixed in.
     */
    private static Outcome parse(byte[] b, int maxLine, Strategy strategy, Random r, ByteBuffer direct) {
        SseParser parser = new SseParser(maxLine);
        List<String> events = new ArrayList<>();
        Consumer<SseEvent> sink = e -> events.add(e.data());
        try {
            int pos = 0;
            while (pos < b.length) {
                int n = pieceSize(b, pos, strategy, r);
                int via = r.nextInt(64);
                if (via < 52 || strategy == Strategy.ONE_BYTE) {
                    parser.feed(b, pos, n, sink);
                } else if (via < 56) {
                    parser.feed(ByteBuffer.wrap(b, pos, n), sink);
                } else if (via < 59) {
                    parser.feed(ByteBuffer.wrap(b, pos, n).asReadOnlyBuffer(), sink);
                } else if (via < 62) {
                    direct.clear();
                    direct.put(b, pos, n).flip();
                    parser.feed(direct, sink);
                } else {
                    parser.feed(b, pos, 0, sink); // an empty feed, then the piece
                    parser.feed(b, pos, n, sink);
                }
                pos += n;
            }
            parser.finish(sink);
            return new Outcome(events, parser.comments(), false);
        } catch (SseParser.LineTooLongException tooLong) {
            return new Outcome(events, parser.comments(), true);
        }
    }

    private static int pieceSize(byte[] b, int pos, Strategy strategy, Random r) {
        int left = b.length - pos;
        int n = switch (strategy) {
            case TINY -> 1 + r.nextInt(7);
            case LARGE -> 1 + r.nextInt(4096);
            case ONE_BYTE -> 1;
            case LINE_BOUNDARIES -> toNextLineBoundary(b, pos);
            case MIXED -> pieceSize(b, pos, Strategy.values()[r.nextInt(4)], r);
        };
        return Math.min(n, left);
    }

    /** Length of the piece starting at pos that ends at the next position touching a '\r' or '\n'. */
    private static int toNextLineBoundary(byte[] b, int pos) {
        if (b[pos] == '\r' || b[pos] == '\n') {
            return 1;
        }
        int q = pos + 1;
        while (q < b.length && b[q] != '\r' && b[q] != '\n') {
            q++;
        }
        return q - pos;
    }

    private static Outcome parseWhole(byte[] b, int maxLine) {
        SseParser parser = new SseParser(maxLine);
        List<String> events = new ArrayList<>();
        try {
            parser.feed(b, 0, b.length, e -> events.add(e.data()));
            parser.finish(e -> events.add(e.data()));
            return new Outcome(events, parser.comments(), false);
        } catch (SseParser.LineTooLongException tooLong) {
            return new Outcome(events, parser.comments(), true);
        }
    }

    private static void assertSame(Outcome expected, Outcome actual, String context) {
        if (expected.equals(actual)) {
            return;
        }
        int i = 0;
        while (i < expected.events().size() && i < actual.events().size()
                && expected.events().get(i).equals(actual.events().get(i))) {
            i++;
        }
        fail(context + ": outcome differs from the single feed (first differing event #" + i + ")"
                + "\n expected: events=" + expected.events().size() + " comments=" + expected.comments()
                + " tooLong=" + expected.tooLong() + (i < expected.events().size() ? " event=" + expected.events().get(i) : "")
                + "\n actual:   events=" + actual.events().size() + " comments=" + actual.comments()
                + " tooLong=" + actual.tooLong() + (i < actual.events().size() ? " event=" + actual.events().get(i) : ""));
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void anyFragmentationOfRealisticStreamsYieldsTheSameEvents() {
        Random master = new Random(MASTER_SEED);
        ByteBuffer direct = ByteBuffer.allocateDirect(4096);
        int runs = 0;
        for (int s = 0; s < STREAMS; s++) {
            long seed = master.nextLong();
            Sample sample = realisticStream(seed);
            String context = "sse.seed=" + MASTER_SEED + " stream seed=" + seed + " (" + sample.description() + ")";

            Outcome whole = parseWhole(sample.bytes(), SseParser.DEFAULT_MAX_LINE_BYTES);
            assertEquals(sample.events(), whole.events(), context + ": single feed");
            assertEquals(sample.comments(), whole.comments(), context + ": comments of a single feed");
            if (sample.endsWithDone()) {
                assertTrue(new SseEvent(whole.events().get(whole.events().size() - 1)).isDone(), context + ": [DONE] last");
            }

            Random r = new Random(seed ^ 0x5DEECE66DL);
            for (int f = 0; f < FRAGMENTATIONS_PER_STREAM; f++) {
                Strategy strategy = switch (f) {
                    case 0 -> Strategy.ONE_BYTE;
                    case 1 -> Strategy.LINE_BOUNDARIES;
                    default -> RANDOM_STRATEGIES[f % RANDOM_STRATEGIES.length];
                };
                Outcome fragmented = parse(sample.bytes(), SseParser.DEFAULT_MAX_LINE_BYTES, strategy, r, direct);
                assertSame(whole, fragmented, context + " fragmentation #" + f + " " + strategy);
                runs++;
            }
        }
        assertTrue(runs >= 2000, "runs: " + runs);
    }

    @Test
    void randomGarbageNeverThrowsAnythingButLineTooLong() {
        Random master = new Random(MASTER_SEED * 31 + 7);
        ByteBuffer direct = ByteBuffer.allocateDirect(4096);
        int[] limits = {8, 40, 100, 700, SseParser.DEFAULT_MAX_LINE_BYTES};
        int tooLongSeen = 0;
        int fineSeen = 0;
        for (int s = 0; s < GARBAGE_STREAMS; s++) {
            long seed = master.nextLong();
            Random r = new Random(seed);
            byte[] b = garbage(r);
            int limit = limits[r.nextInt(limits.length)];
            String context = "sse.seed=" + MASTER_SEED + " garbage seed=" + seed + " length=" + b.length + " limit=" + limit;
            boolean expectTooLong = longestLine(b) > limit;
            Outcome whole;
            try {
                whole = parseWhole(b, limit);
            } catch (RuntimeException | Error unexpected) {
                throw new AssertionError(context + ": unexpected " + unexpected, unexpected);
            }
            assertEquals(expectTooLong, whole.tooLong(), context + ": LineTooLongException iff a line exceeds the limit");
            if (whole.tooLong()) {
                tooLongSeen++;
            } else {
                fineSeen++;
            }
            for (int f = 0; f < 6; f++) {
                Strategy strategy = Strategy.values()[(f + s) % Strategy.values().length];
                Outcome fragmented;
                try {
                    fragmented = parse(b, limit, strategy, r, direct);
                } catch (RuntimeException | Error unexpected) {
                    throw new AssertionError(context + " " + strategy + ": unexpected " + unexpected, unexpected);
                }
                assertSame(whole, fragmented, context + " fragmentation #" + f + " " + strategy);
            }
        }
        assertTrue(tooLongSeen > 20 && fineSeen > 20, "coverage: tooLong=" + tooLongSeen + " fine=" + fineSeen);
    }

    private static byte[] garbage(Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (r.nextInt(6) == 0) {
            out.write(0xEF);
            if (r.nextBoolean()) {
                out.write(0xBB);
                if (r.nextBoolean()) {
                    out.write(0xBF);
                }
            }
        }
        int n = r.nextInt(3000);
        boolean lineEndHeavy = r.nextBoolean();
        while (out.size() < n) {
            int k = r.nextInt(20);
            if (k < 6) {
                out.write(r.nextInt(256));
            } else if (k < (lineEndHeavy ? 10 : 7)) {
                out.write(r.nextBoolean() ? '\r' : '\n');
            } else if (k < 11) {
                out.write(':');
            } else if (k < 13) {
                String[] bits = {"data:", "data: ", "data", ": c", "[DONE]", " [DONE] ", "\uFEFF", "😀", "世", "\r\n"};
                out.writeBytes(bits[r.nextInt(bits.length)].getBytes(StandardCharsets.UTF_8));
            } else if (k < 14) {
                int run = r.nextInt(300); // a long stretch without line ends
                for (int i = 0; i < run; i++) {
                    out.write('a' + r.nextInt(26));
                }
            } else if (k < 15) {
                byte[] utf8 = "é世😀".getBytes(StandardCharsets.UTF_8);
                out.write(utf8, r.nextInt(utf8.length), 1); // a lone piece of a multi-byte sequence
            } else {
                out.write(' ' + r.nextInt(95));
            }
        }
        return out.toByteArray();
    }

    /** Reference: the longest line in b (line ends \n, \r\n, \r; a leading BOM skipped; the last line may be open). */
    private static int longestLine(byte[] b) {
        int i = b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF ? 3 : 0;
        int longest = 0;
        int current = 0;
        for (; i < b.length; i++) {
            byte c = b[i];
            if (c == '\n' || c == '\r') {
                longest = Math.max(longest, current);
                current = 0;
                if (c == '\r' && i + 1 < b.length && b[i + 1] == '\n') {
                    i++;
                }
            } else {
                current++;
            }
        }
        return Math.max(longest, current);
    }
}
