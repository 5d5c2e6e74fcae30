package io.chain429.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    // ---------------------------------------------------------------------------------------------------- helpers

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> data(List<SseEvent> events) {
        return events.stream().map(SseEvent::data).toList();
    }

    /** Feeds each string as one piece, then finishes; returns the data of all events. */
    private static List<String> parse(String... pieces) {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        for (String piece : pieces) {
            parser.feed(ByteBuffer.wrap(utf8(piece)), events::add);
        }
        parser.finish(events::add);
        return data(events);
    }

    /** Feeds pieces without finishing. */
    private static List<String> feedOnly(SseParser parser, String... pieces) {
        List<SseEvent> events = new ArrayList<>();
        for (String piece : pieces) {
            byte[] b = utf8(piece);
            parser.feed(b, 0, b.length, events::add);
        }
        return data(events);
    }

    private static List<String> parseBytes(byte[] bytes) {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        parser.feed(bytes, 0, bytes.length, events::add);
        parser.finish(events::add);
        return data(events);
    }

    // ------------------------------------------------------------------------------------------------ line ends

    @Test
    void lfTerminatedEvents() {
        assertThat(parse("data: a\n\ndata: b\n\n")).containsExactly("a", "b");
    }

    @Test
    void crlfTerminatedEvents() {
        assertThat(parse("data: a\r\n\r\ndata: b\r\n\r\n")).containsExactly("a", "b");
        assertThat(parse("data: a\r\ndata: b\r\n\r\n")).containsExactly("a\nb");
    }

    @Test
    void loneCrTerminatedEvents() {
        assertThat(parse("data: a\r\rdata: b\r\r")).containsExactly("a", "b");
        assertThat(parse("data: a\rdata: b\r\r")).containsExactly("a\nb");
    }

    @Test
    void mixedLineEndsInOneStream() {
        assertThat(parse("data: a\r\n\ndata: b\n\r\ndata: c\r\r\n")).containsExactly("a", "b", "c");
    }

    @Test
    void crAtEndOfFeedAndLfAtStartOfNextIsOneLineEnd() {
        // were "\r" + "\n" two line ends, the blank line would dispatch "a" alone
        assertThat(parse("data: a\r", "\ndata: b\r\n\r\n")).containsExactly("a\nb");
        assertThat(parse("data: a\r", "\n", "\r", "\n")).containsExactly("a");
        // an empty feed between the two halves changes nothing
        assertThat(parse("data: a\r", "", "\ndata: b\r", "", "\n\r", "", "\n")).containsExactly("a\nb");
    }

    @Test
    void crAtEndOfFeedFollowedByOtherByteIsALoneCr() {
        assertThat(parse("data: a\r", "data: b\r", "\r")).containsExactly("a\nb");
        assertThat(parse("data: a\r", "\r", "data: b\n\n")).containsExactly("a", "b");
    }

    @Test
    void crlfSplitAtEveryOffset() {
        String stream = "data: x\r\n\r\ndata: y\r\ndata: z\r\n\r\n";
        byte[] b = utf8(stream);
        for (int cut = 0; cut <= b.length; cut++) {
            SseParser parser = new SseParser();
            List<SseEvent> events = new ArrayList<>();
            parser.feed(b, 0, cut, events::add);
            parser.feed(b, cut, b.length - cut, events::add);
            assertThat(data(events)).as("cut at %d", cut).containsExactly("x", "y\nz");
        }
    }

    // --------------------------------------------------------------------------------------------------- fields

    @Test
    void exactlyOneSpaceAfterTheColonIsStripped() {
        assertThat(parse("data:x\n\n")).containsExactly("x");
        assertThat(parse("data: x\n\n")).containsExactly("x");
        assertThat(parse("data:  x \n\n")).containsExactly(" x ");
        assertThat(parse("data:\tx\n\n")).containsExactly("\tx");
        assertThat(parse("data: \n\n")).containsExactly("");
        assertThat(parse("data:\n\n")).containsExactly("");
    }

    @Test
    void colonsInsideTheValueAreKept() {
        assertThat(parse("data: {\"a\":\"b: c\"}\n\n")).containsExactly("{\"a\":\"b: c\"}");
        assertThat(parse("data::x\n\n")).containsExactly(":x");
    }

    @Test
    void multipleDataLinesAreJoinedWithLf() {
        assertThat(parse("data: a\ndata: b\ndata:\ndata:c\n\n")).containsExactly("a\nb\n\nc");
        assertThat(parse("data: {\ndata:   \"x\": 1\ndata: }\n\n")).containsExactly("{\n  \"x\": 1\n}");
    }

    @Test
    void lineWithoutColonIsFieldNameWithEmptyValue() {
        assertThat(parse("data\n\n")).containsExactly("");
        assertThat(parse("data\ndata: x\ndata\n\n")).containsExactly("\nx\n");
        assertThat(parse("event\nid\nretry\n\n")).isEmpty();
    }

    @Test
    void otherFieldsAreIgnored() {
        String stream = "event: message\nid: 42\nretry: 1000\nfoo: bar\ndata: x\nDATA: y\nData: y\ndatas: y\n"
                + "dat: y\ndata : y\n data: y\n\n";
        assertThat(parse(stream)).containsExactly("x");
    }

    @Test
    void eventWithoutDataLinesIsNotDispatched() {
        assertThat(parse("event: ping\nid: 1\n\n\n\ndata: a\n\n\n\n")).containsExactly("a");
        assertThat(parse("\n\n\r\n\r\r")).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------- comments

    @Test
    void keepAliveCommentsBetweenEventsAreCountedNotDispatched() {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        byte[] b = utf8(": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\r\n\r\ndata: a\n\n:\n\n"
                + ":keep-alive\rdata: b\n: inside an event\ndata: c\n\n");
        parser.feed(b, 0, b.length, events::add);
        parser.finish(events::add);
        assertThat(data(events)).containsExactly("a", "b\nc");
        assertThat(parser.comments()).isEqualTo(5);
    }

    @Test
    void commentCountAccumulatesAcrossFeeds() {
        SseParser parser = new SseParser();
        assertThat(feedOnly(parser, ": one", "\n: tw", "o\r", "\n")).isEmpty();
        assertThat(parser.comments()).isEqualTo(2);
        // an unterminated comment counts once the stream ends
        assertThat(feedOnly(parser, ": three")).isEmpty();
        assertThat(parser.comments()).isEqualTo(2);
        parser.finish(e -> { throw new AssertionError("no event expected: " + e); });
        assertThat(parser.comments()).isEqualTo(3);
    }

    // --------------------------------------------------------------------------------------------------- [DONE]

    @Test
    void doneMarkerInEverySpelling() {
        for (String line : List.of("data:[DONE]", "data: [DONE]", "data:  [DONE] ", "data: [DONE]\t", "data:\t[DONE]")) {
            SseParser parser = new SseParser();
            List<SseEvent> events = new ArrayList<>();
            byte[] b = utf8(line + "\n\n");
            parser.feed(b, 0, b.length, events::add);
            assertThat(events).as(line).hasSize(1);
            assertThat(events.get(0).isDone()).as(line).isTrue();
        }
        assertThat(SseEvent.DONE.isDone()).isTrue();
        assertThat(new SseEvent(" [DONE] ").isDone()).isTrue();
        assertThat(new SseEvent("\r\n[DONE]\n").isDone()).isTrue();
    }

    @Test
    void exactDoneReusesTheConstant() {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        byte[] b = utf8("data: [DONE]\n\n");
        parser.feed(b, 0, b.length, events::add);
        assertThat(events).containsExactly(SseEvent.DONE);
        assertThat(events.get(0)).isSameAs(SseEvent.DONE);
    }

    @Test
    void lookalikesAreNotDone() {
        for (String d : List.of("[done]", "[DONE]x", "DONE", "[DONE", "", "{\"x\":\"[DONE]\"}", "[DO NE]", "[DONE]\n[DONE]")) {
            assertThat(new SseEvent(d).isDone()).as(d).isFalse();
        }
        assertThat(parse("data: [DONE]\ndata: x\n\n")).containsExactly("[DONE]\nx");
    }

    @Test
    void eventRejectsNullData() {
        assertThatThrownBy(() -> new SseEvent(null)).isInstanceOf(NullPointerException.class);
    }

    // ------------------------------------------------------------------------------------------ end of stream

    @Test
    void incompleteEventIsNotDispatchedBeforeFinish() {
        SseParser parser = new SseParser();
        assertThat(feedOnly(parser, "data: a\n")).isEmpty();
        assertThat(feedOnly(parser, "data: b\r\n")).isEmpty();
        assertThat(feedOnly(parser, "data: c\r")).isEmpty();
        assertThat(parser.bufferedBytes()).isEqualTo(5);
        List<SseEvent> events = new ArrayList<>();
        parser.finish(events::add);
        assertThat(data(events)).containsExactly("a\nb\nc");
        assertThat(parser.bufferedBytes()).isZero();
    }

    @Test
    void finishDispatchesTrailingUnterminatedDone() {
        SseParser parser = new SseParser();
        assertThat(feedOnly(parser, "data: {\"x\":1}\n\n", "data: [DONE]\n")).containsExactly("{\"x\":1}");
        List<SseEvent> events = new ArrayList<>();
        parser.finish(events::add);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).isDone()).isTrue();
    }

    @Test
    void finishTreatsATrailingLineWithoutLineEndAsComplete() {
        SseParser parser = new SseParser();
        assertThat(feedOnly(parser, "data: a\n\n", "data: [DO", "NE]")).containsExactly("a");
        List<SseEvent> events = new ArrayList<>();
        parser.finish(events::add);
        assertThat(events).containsExactly(SseEvent.DONE);
    }

    @Test
    void finishWithoutPendingDataDispatchesNothing() {
        assertThat(parse("")).isEmpty();
        assertThat(parse("data: a\n\n")).containsExactly("a");
        assertThat(parse("data: a\n\nevent: end\n")).containsExactly("a");
        assertThat(parse("data: a\n\n: bye")).containsExactly("a");
    }

    @Test
    void parserIsReusableAfterFinish() {
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        byte[] first = utf8("\uFEFFdata: a\n");
        parser.feed(first, 0, first.length, events::add);
        parser.finish(events::add);
        byte[] second = utf8("\uFEFFdata: b\r");
        parser.feed(second, 0, second.length, events::add);
        parser.finish(events::add);
        byte[] third = utf8("\ndata: c\n\n"); // the '\n' is not swallowed as the tail of the previous stream's '\r'
        parser.feed(third, 0, third.length, events::add);
        parser.finish(events::add);
        assertThat(data(events)).containsExactly("a", "b", "c");
    }

    // ------------------------------------------------------------------------------------------------------ BOM

    @Test
    void leadingBomIsIgnored() {
        assertThat(parse("\uFEFFdata: a\n\n")).containsExactly("a");
        assertThat(parse("\uFEFF: hi\n\ndata: a\n\n")).containsExactly("a");
    }

    @Test
    void leadingBomSplitAcrossFeeds() {
        byte[] b = utf8("\uFEFFdata: a\n\n");
        for (int cut1 = 0; cut1 <= 4; cut1++) {
            for (int cut2 = cut1; cut2 <= 5; cut2++) {
                SseParser parser = new SseParser();
                List<SseEvent> events = new ArrayList<>();
                parser.feed(b, 0, cut1, events::add);
                parser.feed(b, cut1, cut2 - cut1, events::add);
                parser.feed(b, cut2, b.length - cut2, events::add);
                assertThat(data(events)).as("cuts %d/%d", cut1, cut2).containsExactly("a");
            }
        }
    }

    @Test
    void onlyOneBomAtStreamStartIsIgnored() {
        assertThat(parse("\uFEFF\uFEFFdata: a\n\ndata: b\n\n")).containsExactly("b");
        assertThat(parse("data: a\n\n\uFEFFdata: b\n\n")).containsExactly("a");
        assertThat(parse("data: \uFEFFa\n\n")).containsExactly("\uFEFFa");
    }

    @Test
    void partialBomIsPartOfTheFirstLine() {
        byte[] stream = utf8("?data: a\n\ndata: b\n\n");
        stream[0] = (byte) 0xEF;
        assertThat(parseBytes(stream)).containsExactly("b");
        byte[] twoBytes = new byte[] {(byte) 0xEF, (byte) 0xBB, '\n', 'd', 'a', 't', 'a', ':', 'x', '\n', '\n'};
        assertThat(parseBytes(twoBytes)).containsExactly("x");
        // only a partial BOM, then the end of the stream
        assertThat(parseBytes(new byte[] {(byte) 0xEF, (byte) 0xBB})).isEmpty();
    }

    // -------------------------------------------------------------------------------------------------- unicode

    @Test
    void unicodeSplitAtEveryPairOfByteOffsets() {
        String content = "héllo 世界 👋🏽 𝄞 naïve — ∑ 😀";
        String stream = "data: {\"choices\":[{\"delta\":{\"content\":\"" + content + "\"}}]}\r\n\r\n"
                + ": 注释\n" + "data:日本語\ndata: 🎉\n\n";
        List<String> expected = List.of("{\"choices\":[{\"delta\":{\"content\":\"" + content + "\"}}]}", "日本語\n🎉");
        byte[] b = utf8(stream);
        assertThat(parseBytes(b)).containsExactlyElementsOf(expected);
        for (int cut1 = 0; cut1 <= b.length; cut1++) {
            for (int cut2 = cut1; cut2 <= b.length; cut2++) {
                SseParser parser = new SseParser();
                List<SseEvent> events = new ArrayList<>();
                parser.feed(b, 0, cut1, events::add);
                parser.feed(b, cut1, cut2 - cut1, events::add);
                parser.feed(b, cut2, b.length - cut2, events::add);
                parser.finish(events::add);
                if (!data(events).equals(expected)) {
                    throw new AssertionError("cuts " + cut1 + "/" + cut2 + ": " + data(events));
                }
                assertThat(parser.comments()).isEqualTo(1);
            }
        }
    }

    @Test
    void unicodeOneByteAtATime() {
        String stream = "data: 你好，世界\n\ndata: 🧪🧬\r\n\r\n";
        byte[] b = utf8(stream);
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            parser.feed(b, i, 1, events::add);
        }
        assertThat(data(events)).containsExactly("你好，世界", "🧪🧬");
    }

    @Test
    void invalidUtf8IsReplacedNotThrown() {
        byte[] b = {'d', 'a', 't', 'a', ':', (byte) 0xC3, '\n', 'd', 'a', 't', 'a', ':', (byte) 0xFF, 'x', '\n', '\n'};
        assertThat(parseBytes(b)).containsExactly("\uFFFD\n\uFFFDx");
    }

    // ------------------------------------------------------------------------------------------- line length

    @Test
    void lineAtTheLimitIsAccepted() {
        SseParser parser = new SseParser(16);
        byte[] b = utf8("data: 0123456789\r\n\r\n"); // the line is exactly 16 bytes; the line end does not count
        List<SseEvent> events = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            parser.feed(b, i, 1, events::add);
        }
        assertThat(data(events)).containsExactly("0123456789");
    }

    @Test
    void lineTooLongInOneFeed() {
        SseParser parser = new SseParser(16);
        List<SseEvent> events = new ArrayList<>();
        byte[] b = utf8("data: ok\n\ndata: 01234567890\n\n");
        assertThatThrownBy(() -> parser.feed(b, 0, b.length, events::add))
                .isInstanceOf(SseParser.LineTooLongException.class)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("16");
        assertThat(data(events)).containsExactly("ok");
        // the parser stays failed
        assertThatThrownBy(() -> parser.feed(utf8("data: x\n\n"), 0, 1, events::add))
                .isInstanceOf(SseParser.LineTooLongException.class);
        assertThatThrownBy(() -> parser.finish(events::add)).isInstanceOf(SseParser.LineTooLongException.class);
    }

    @Test
    void lineTooLongAcrossFeedsThrowsBeforeTheLineEnds() {
        SseParser parser = new SseParser(16);
        List<SseEvent> events = new ArrayList<>();
        parser.feed(utf8("data: 0123456789"), 0, 16, events::add);
        assertThat(parser.bufferedBytes()).isEqualTo(16);
        assertThatThrownBy(() -> parser.feed(utf8("x"), 0, 1, events::add))
                .isInstanceOf(SseParser.LineTooLongException.class);
        assertThat(events).isEmpty();
    }

    @Test
    void longCommentsCountTowardsTheLimit() {
        SseParser parser = new SseParser(8);
        byte[] b = utf8(": 1234567\n");
        assertThatThrownBy(() -> parser.feed(b, 0, b.length, e -> { }))
                .isInstanceOf(SseParser.LineTooLongException.class);
    }

    @Test
    void defaultLimitIsOneMebibyte() {
        byte[] big = new byte[(1 << 20) + 8];
        Arrays.fill(big, (byte) 'a');
        System.arraycopy(utf8("data:"), 0, big, 0, 5);
        SseParser ok = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        ok.feed(big, 0, 1 << 20, events::add); // exactly 1 MiB, unterminated: fine
        ok.feed(utf8("\n\n"), 0, 2, events::add);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).data()).hasSize((1 << 20) - 5);
        SseParser tooLong = new SseParser();
        assertThatThrownBy(() -> tooLong.feed(big, 0, (1 << 20) + 1, e -> { }))
                .isInstanceOf(SseParser.LineTooLongException.class);
    }

    @Test
    void constructorRejectsNonPositiveLimits() {
        assertThatThrownBy(() -> new SseParser(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SseParser(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------------------------------ buffer kinds

    @Test
    void byteBufferKindsAndOffsetsAreHonoured() {
        String stream = "junk data: no\n\ndata: a\r\n\r\ndata: ü\n\n";
        byte[] b = utf8(stream);
        int from = 5; // "junk " is outside the window; the window starts a fresh stream at "data: no"
        int to = b.length;

        ByteBuffer heapSlice = ByteBuffer.wrap(b).position(from).slice(); // arrayOffset != 0
        ByteBuffer heapWindow = ByteBuffer.wrap(b, from, to - from);      // position != 0
        ByteBuffer readOnly = ByteBuffer.wrap(b, from, to - from).asReadOnlyBuffer();
        ByteBuffer direct = ByteBuffer.allocateDirect(to - from).put(b, from, to - from).flip();
        for (ByteBuffer buffer : List.of(heapSlice, heapWindow, readOnly, direct)) {
            SseParser parser = new SseParser();
            List<SseEvent> events = new ArrayList<>();
            parser.feed(buffer, events::add);
            assertThat(buffer.hasRemaining()).isFalse();
            assertThat(data(events)).as(buffer.toString()).containsExactly("no", "a", "ü");
        }

        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        parser.feed(b, from, 3, events::add);         // "dat"
        parser.feed(b, from + 3, to - from - 3, events::add);
        assertThat(data(events)).containsExactly("no", "a", "ü");
        assertThatThrownBy(() -> parser.feed(b, 2, b.length, e -> { }))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void largeDirectBufferIsCopiedInChunks() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String d = "{\"i\":" + i + ",\"content\":\"δοκιμή " + i + "\"}";
            expected.add(d);
            out.writeBytes(utf8("data: " + d + "\r\n\r\n"));
        }
        byte[] b = out.toByteArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(b.length).put(b).flip();
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        parser.feed(direct, events::add);
        assertThat(data(events)).isEqualTo(expected);
    }
}
