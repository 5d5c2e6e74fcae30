package io.chain429.api.connection;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * RFC 9112's rules for a request's {@code Transfer-Encoding}, which Netty's decoder applies leniently: it reads a
 * request with both {@code Content-Length} and {@code Transfer-Encoding: chunked} as chunked and keeps the connection,
 * and frames a request whose coding it does not know ({@code xchunked}) by its {@code Content-Length}. A front proxy
 * that frames the same bytes the other way would let a client hide a second request in the first one's body (request
 * smuggling). Here each of them is refused, and the connection closed.
 */
final class TransferCodings {

    private static final String CHUNKED = "chunked";

    private TransferCodings() {
    }

    /** @throws FramingRefusal if the request's framing is not one 429chain reads without doubt */
    static void check(HttpMessage request) {
        List<String> fields = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (fields.isEmpty()) {
            return;
        }
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() == 1 && version.minorVersion() == 0) {
            throw new FramingRefusal(400, "invalid_framing", "An HTTP/1.0 request cannot have a Transfer-Encoding"
                    + " (RFC 9112 §6.1): its length cannot be trusted.");
        }
        if (request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            throw new FramingRefusal(400, "invalid_framing", "The request has both Content-Length and Transfer-Encoding"
                    + " (RFC 9112 §6.3): its length is ambiguous.");
        }
        List<String> codings = codings(fields);
        if (codings.isEmpty()) {
            throw new FramingRefusal(400, "invalid_framing", "The request's Transfer-Encoding is empty.");
        }
        String last = codings.get(codings.size() - 1);
        if (!last.equals(CHUNKED)) {
            throw new FramingRefusal(400, "invalid_framing", "The request's final transfer coding is '" + printable(last)
                    + "', not chunked (RFC 9112 §6.3): its length cannot be determined.");
        }
        List<String> before = codings.subList(0, codings.size() - 1);
        if (before.contains(CHUNKED)) {
            throw new FramingRefusal(400, "invalid_framing", "The request applies the chunked coding more than once"
                    + " (RFC 9112 §7).");
        }
        if (!before.isEmpty()) {
            // RFC 9112 §6.1: a transfer coding the server does not understand SHOULD be answered with 501
            throw new FramingRefusal(501, "unsupported_transfer_coding", "The transfer coding '" + printable(before.get(0))
                    + "' is not supported: 429chain reads request bodies sent as they are or chunked, nothing else.");
        }
    }

    /** The codings named by every Transfer-Encoding field, in order, lower case (names are case-insensitive). */
    private static List<String> codings(List<String> fields) {
        List<String> codings = new ArrayList<>();
        for (String field : fields) {
            for (String element : field.split(",", -1)) {
                String coding = element.trim();
                if (!coding.isEmpty()) { // a list may have empty elements (RFC 9110 §5.6.1)
                    codings.add(coding.toLowerCase(Locale.ROOT));
                }
            }
        }
        return codings;
    }

    /** A client's value as it may appear in an answer and a log line: short, without control characters. */
    static String printable(String value) {
        String cut = value.length() > 100 ? value.substring(0, 100) + "…" : value;
        StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
