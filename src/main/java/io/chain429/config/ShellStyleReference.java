package io.chain429.config;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An environment variable written the shell's way, {@code ${NAME}} or {@code $NAME}, where 429chain reads only
 * {@code ${env:NAME}}: the likeliest mistake of someone who did put their key in a variable, so the message shows the
 * value as it should be written instead of saying "use a variable".
 */
final class ShellStyleReference {

    /** Braces with any variable name, or a bare {@code $NAME} in capitals only, the way variables are named: a literal
     *  key that happens to start with '$' is not taken for a reference and repeated in a message. */
    private static final Pattern SHELL = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Z_][A-Z0-9_]*)(?![A-Za-z0-9_])");

    private ShellStyleReference() {
    }

    /** {@code text} with each shell-style reference written as {@code ${env:NAME}}; empty when it holds none. */
    static Optional<String> rewritten(String text) {
        Matcher reference = SHELL.matcher(text);
        StringBuilder result = new StringBuilder();
        boolean found = false;
        while (reference.find()) {
            found = true;
            String name = reference.group(1) != null ? reference.group(1) : reference.group(2);
            reference.appendReplacement(result, Matcher.quoteReplacement("${env:" + name + "}"));
        }
        return found ? Optional.of(reference.appendTail(result).toString()) : Optional.empty();
    }

    /**
     * {@code ${env:NAME}} when the whole of {@code text} is one shell-style reference. For values that may hold a
     * secret (keys, a Redis URL): only then is the value safe to repeat in a message.
     */
    static Optional<String> whole(String text) {
        Matcher reference = SHELL.matcher(text);
        return reference.matches() ? rewritten(text) : Optional.empty();
    }

    /** What to append to a message about {@code text}: how to write it, or nothing when it holds no such reference. */
    static String hint(String text) {
        return rewritten(text).map(fixed -> " — " + writeInstead(fixed)).orElse("");
    }

    static String writeInstead(String fixed) {
        return "write " + fixed + " instead: 429chain reads an environment variable only as ${env:NAME}";
    }
}
