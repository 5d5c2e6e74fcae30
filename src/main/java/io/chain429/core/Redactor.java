package io.chain429.core;

/**
 * Masks secrets in text bound for a log: credential header values ({@code Authorization: Bearer …}, {@code api-key:}
 * and the like, as headers, JSON fields or map entries), key query parameters ({@code ?key=…}), and anything shaped
 * like a provider key ({@code sk-…}, {@code gsk_…}, {@code csk-…}, {@code AIza…}, {@code nvapi-…}, {@code ghp_…},
 * {@code github_pat_…}, 20 or more key characters). At most the last 4 characters survive, as in
 * {@code sk-****abcd}, so that operators can still tell keys apart.
 *
 * <p>One pass over the text with no regular expression: a secret can only start at the start of a word (or at a
 * {@code ?} / {@code &} for a query), where a few fixed prefixes are compared; the text itself is returned when there
 * is nothing to mask. Use it on any text that may carry a provider's words to a log or a client.
 *
 * <p>{@code log4j2.xml} applies the same rule to every log line with three built-in {@code %replace} converters
 * (a plugin of ours would not survive the shaded jar without a shade transformer); {@code RedactionConfigTest}
 * checks that the two agree.
 */
public final class Redactor {

    /** What a masked value is made of; a value that already starts with it is not a secret (masking is idempotent). */
    public static final String MASK = "****";

    /** Key shapes: prefix, then at least {@link #MIN_KEY_BODY} key characters. Compared case-sensitively. */
    private static final String[] KEY_PREFIXES = {
        "sk-", "gsk_", "csk-", "AIza", "nvapi-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
    };
    private static final int MIN_KEY_BODY = 20;
    /** Names whose value is a credential (headers, JSON fields, map entries). Compared ignoring case, longest first. */
    private static final String[] CREDENTIAL_NAMES = {
        "proxy-authorization", "authorization", "x-goog-api-key", "x-api-key", "api-key", "api_key", "apikey",
    };
    /** Auth schemes kept before a credential value: {@code Bearer ****abcd}. */
    private static final String[] SCHEMES = {"bearer", "basic", "token"};
    /** Query parameters whose value is a credential. */
    private static final String[] QUERY_NAMES = {"key", "api_key", "apikey", "access_token", "token"};

    private Redactor() {
    }

    /** The text with every secret masked; the same instance when there was none. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        int[] found = new int[3];
        if (!next(text, 0, found)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        appendRedacted(text, found, out);
        return out.toString();
    }

    /** Appends the text to {@code out} with every secret masked. */
    public static void redactTo(CharSequence text, StringBuilder out) {
        int[] found = new int[3];
        if (!next(text, 0, found)) {
            out.append(text);
            return;
        }
        appendRedacted(text, found, out);
    }

    /** Whether the text holds anything this redactor would mask (already masked values do not count). */
    public static boolean containsSecret(CharSequence text) {
        return text != null && next(text, 0, new int[3]);
    }

    /** {@code found} holds the first secret: where its match starts, where its value starts and ends. */
    private static void appendRedacted(CharSequence text, int[] found, StringBuilder out) {
        int at = 0;
        do {
            out.append(text, at, found[1]);
            appendMasked(text, found[1], found[2], out);
            at = found[2];
        } while (next(text, at, found));
        out.append(text, at, text.length());
    }

    /**
     * Finds the next secret at or after {@code from}: sets {@code found} to {match start, value start, value end}.
     */
    private static boolean next(CharSequence text, int from, int[] found) {
        int length = text.length();
        for (int i = from; i < length; i++) {
            char c = text.charAt(i);
            if (c == '?' || c == '&') {
                if (query(text, i, found)) {
                    return true;
                }
                continue;
            }
            if (!isKeyChar(c) || (i > 0 && isKeyChar(text.charAt(i - 1)))) {
                continue; // a secret starts a word
            }
            if (credential(text, i, found) || keyShape(text, i, found)) {
                return true;
            }
        }
        return false;
    }

    /** {@code Authorization: Bearer x}, {@code "api-key":"x"}, {@code x-api-key=[x]} starting at {@code at}. */
    private static boolean credential(CharSequence text, int at, int[] found) {
        char first = Character.toLowerCase(text.charAt(at));
        if (first != 'a' && first != 'p' && first != 'x') {
            return false;
        }
        for (String name : CREDENTIAL_NAMES) {
            int i = at + name.length();
            if (!startsWith(text, at, name, true) || (i < text.length() && isKeyChar(text.charAt(i)))) {
                continue;
            }
            int length = text.length();
            if (i < length && (text.charAt(i) == '"' || text.charAt(i) == '\'')) {
                i++;
            }
            i = skipSpaces(text, i);
            if (i >= length || (text.charAt(i) != ':' && text.charAt(i) != '=')) {
                return false;
            }
            i = skipSpaces(text, i + 1);
            if (i < length && (text.charAt(i) == '[' || text.charAt(i) == '"' || text.charAt(i) == '\'')) {
                i = skipSpaces(text, i + 1);
            }
            for (String scheme : SCHEMES) {
                int end = i + scheme.length();
                if (startsWith(text, i, scheme, true) && end < length && Character.isWhitespace(text.charAt(end))) {
                    i = end;
                    while (i < length && Character.isWhitespace(text.charAt(i))) {
                        i++;
                    }
                    break;
                }
            }
            int value = i;
            while (i < length && !endsCredential(text.charAt(i))) {
                i++;
            }
            if (i == value || isMasked(text, value, i)) {
                return false;
            }
            found[0] = at;
            found[1] = value;
            found[2] = i;
            return true;
        }
        return false;
    }

    /** A provider key by its shape, starting at {@code at}. */
    private static boolean keyShape(CharSequence text, int at, int[] found) {
        char first = text.charAt(at);
        if (first != 's' && first != 'g' && first != 'c' && first != 'A' && first != 'n') {
            return false;
        }
        for (String prefix : KEY_PREFIXES) {
            if (!startsWith(text, at, prefix, false)) {
                continue;
            }
            int body = at + prefix.length();
            int end = body;
            while (end < text.length() && isKeyChar(text.charAt(end))) {
                end++;
            }
            if (end - body < MIN_KEY_BODY) {
                continue; // github_pat_ may still follow gh…
            }
            found[0] = at;
            found[1] = body;
            found[2] = end;
            return true;
        }
        return false;
    }

    /** {@code ?key=x} or {@code &access_token=x}, {@code at} being the {@code ?} or {@code &}. */
    private static boolean query(CharSequence text, int at, int[] found) {
        for (String name : QUERY_NAMES) {
            int value = at + 1 + name.length() + 1;
            if (value <= text.length() && startsWith(text, at + 1, name, true) && text.charAt(value - 1) == '=') {
                int end = value;
                while (end < text.length() && !endsQueryValue(text.charAt(end))) {
                    end++;
                }
                if (end == value || isMasked(text, value, end)) {
                    return false;
                }
                found[0] = at;
                found[1] = value;
                found[2] = end;
                return true;
            }
        }
        return false;
    }

    /** {@code ****} and the last 4 characters, only the mask for 8 characters or fewer. */
    private static void appendMasked(CharSequence text, int start, int end, StringBuilder out) {
        out.append(MASK);
        if (end - start > 8) {
            out.append(text, end - 4, end);
        }
    }

    private static boolean isMasked(CharSequence text, int start, int end) {
        return end - start >= MASK.length() && startsWith(text, start, MASK, false);
    }

    private static boolean startsWith(CharSequence text, int at, String prefix, boolean ignoreCase) {
        if (at + prefix.length() > text.length()) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            char c = text.charAt(at + k);
            char p = prefix.charAt(k);
            if (c != p && !(ignoreCase && Character.toLowerCase(c) == p)) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpaces(CharSequence text, int i) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static boolean isKeyChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private static boolean endsCredential(char c) {
        return Character.isWhitespace(c) || c == '"' || c == '\'' || c == ',' || c == ';' || c == '&' || c == ')'
                || c == '}' || c == ']';
    }

    private static boolean endsQueryValue(char c) {
        return Character.isWhitespace(c) || c == '&' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>';
    }
}
