package io.chain429.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.ParameterizedMessage;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/** The {@code %redact} converter as the shipped {@code log4j2.xml} uses it, on messages and exceptions. */
class RedactingConverterTest {

    private static final String KEY = "sk-proj-RAWKEYRAWKEY0123456789wxyz";

    @Test
    void theShippedConfigurationRedactsItsConsoleLines() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Appender console = context.getConfiguration().getAppender("out");
        assertThat(console).as("log4j2.xml's console appender").isNotNull();
        Layout<?> layout = console.getLayout();
        assertThat(layout).isInstanceOf(PatternLayout.class);
        assertThat(((PatternLayout) layout).getConversionPattern()).startsWith("%redact{");

        String line = format((PatternLayout) layout, event("calling upstream with " + KEY, null));

        assertThat(line).contains("calling upstream with sk-****wxyz").doesNotContain("RAWKEY");
    }

    @Test
    void exceptionMessagesCausesAndSuppressedOnesAreRedacted() {
        PatternLayout layout = layout("%redact{%-5level %logger %msg%n%xEx}");
        IllegalStateException failure = new IllegalStateException("upstream said: invalid key " + KEY,
                new RuntimeException("Authorization: Bearer " + KEY));
        failure.addSuppressed(new RuntimeException("{\"api-key\":\"abcdefghijklmnopqrstuv\"}"));

        String line = format(layout, event("request failed", failure));

        assertThat(line).contains("request failed", "IllegalStateException: upstream said: invalid key sk-****wxyz",
                "Authorization: Bearer ****wxyz", "\"api-key\":\"****stuv\"", "at io.chain429.security.RedactingConverterTest");
        assertThat(line).doesNotContain("RAWKEY", "abcdefghijklmnop");
    }

    @Test
    void anExceptionIsWrittenInsideTheRedactionEvenWhenThePatternDoesNotNameIt() {
        PatternLayout layout = layout("%redact{%msg%n}");

        String line = format(layout, event("failed", new IllegalArgumentException("bad key " + KEY)));

        assertThat(line).contains("failed", "IllegalArgumentException: bad key sk-****wxyz").doesNotContain("RAWKEY");
        assertThat(line.indexOf("IllegalArgumentException")).as("written once").isEqualTo(line.lastIndexOf("IllegalArgumentException"));
    }

    @Test
    void parameterizedMessagesAreRedactedAfterFormatting() {
        PatternLayout layout = layout("%redact{%msg}");
        Log4jLogEvent event = Log4jLogEvent.newBuilder().setLoggerName("io.chain429.test").setLevel(Level.INFO)
                .setMessage(new ParameterizedMessage("provider {} answered with headers {}", "groq",
                        List.of("Authorization: Bearer " + KEY, "x-ratelimit-remaining-requests: 99")))
                .build();

        assertThat(format(layout, event))
                .isEqualTo("provider groq answered with headers [Authorization: Bearer ****wxyz, x-ratelimit-remaining-requests: 99]");
    }

    @Test
    void aLoggerWritingThroughTheRedactingLayoutNeverPrintsTheRawKey() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        List<String> lines = new CopyOnWriteArrayList<>();
        PatternLayout layout = (PatternLayout) config.getAppender("out").getLayout();
        AbstractAppender capture = new AbstractAppender("redaction-test", null, layout, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(new String(getLayout().toByteArray(event), java.nio.charset.StandardCharsets.UTF_8));
            }
        };
        capture.start();
        config.getRootLogger().addAppender(capture, Level.ALL, null);
        context.updateLoggers();
        try {
            org.slf4j.LoggerFactory.getLogger("io.chain429.security.test")
                    .warn("key {} refused", KEY, new IllegalStateException("HTTP 401 for key " + KEY));
        } finally {
            config.getRootLogger().removeAppender("redaction-test");
            context.updateLoggers();
            capture.stop();
        }

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("key sk-****wxyz refused", "HTTP 401 for key sk-****wxyz").doesNotContain("RAWKEY");
    }

    private static PatternLayout layout(String pattern) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        return PatternLayout.newBuilder().withConfiguration(context.getConfiguration()).withPattern(pattern).build();
    }

    private static Log4jLogEvent event(String message, Throwable thrown) {
        return Log4jLogEvent.newBuilder().setLoggerName("io.chain429.test").setLevel(Level.WARN)
                .setMessage(new SimpleMessage(message)).setThrown(thrown).build();
    }

    private static String format(PatternLayout layout, LogEvent event) {
        return layout.toSerializable(event);
    }
}
