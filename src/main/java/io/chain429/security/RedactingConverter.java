package io.chain429.security;

import java.util.List;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;
import org.apache.logging.log4j.core.pattern.PatternFormatter;
import org.apache.logging.log4j.core.pattern.PatternParser;
import org.apache.logging.log4j.status.StatusLogger;

/**
 * Log4j2 pattern converter {@code %redact{pattern}}: formats the inner pattern, then masks every secret in the
 * result with {@link Redactor}. Wrap a whole line in it ({@code %redact{%d %level %logger %msg%n}}): the message,
 * the logger's arguments and the exception (its message, causes and stack) all pass through it. When the inner pattern
 * names no exception converter, the exception is appended inside it ({@code %xEx}), so that an exception is never
 * written unmasked next to it.
 */
@Plugin(name = "RedactingConverter", category = PatternConverter.CATEGORY)
@ConverterKeys({"redact"})
public final class RedactingConverter extends LogEventPatternConverter {

    private final PatternFormatter[] formatters;

    private RedactingConverter(List<PatternFormatter> formatters) {
        super("redact", "redact");
        this.formatters = formatters.toArray(new PatternFormatter[0]);
    }

    /** Called by Log4j with the options in braces: the one inner pattern. */
    public static RedactingConverter newInstance(Configuration config, String[] options) {
        if (options == null || options.length != 1 || options[0] == null) {
            StatusLogger.getLogger().error("%redact takes one pattern: %redact{pattern}");
            return null;
        }
        PatternParser parser = PatternLayout.createPatternParser(config);
        // alwaysWriteExceptions: an exception goes inside, through the redactor
        return new RedactingConverter(parser.parse(options[0], true, false, true));
    }

    @Override
    public void format(LogEvent event, StringBuilder toAppendTo) {
        StringBuilder line = new StringBuilder(256);
        for (PatternFormatter formatter : formatters) {
            formatter.format(event, line);
        }
        Redactor.redactTo(line, toAppendTo);
    }

    /** The inner pattern always writes the exception, so the layout must not write it again, unmasked. */
    @Override
    public boolean handlesThrowable() {
        return true;
    }
}
