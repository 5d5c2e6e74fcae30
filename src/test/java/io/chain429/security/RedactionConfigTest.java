package io.chain429.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.core.Redactor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shipped {@code log4j2.xml}: every console line, exceptions included, leaves with its secrets masked. */
class RedactionConfigTest {

    private static final String KEY = "sk-proj-RAWKEYRAWKEY0123456789wxyz";

    @Test
    void theConsoleLayoutMasksProviderKeysInTheMessage() {
        String line = format(event("calling upstream with " + KEY, null));

        assertThat(line).contains("calling upstream with sk-****wxyz").doesNotContain("RAWKEY");
        assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  i.c.test +calling upstream with sk-\\*\\*\\*\\*wxyz\\R");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56",
            "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abwxyz",
            "sk-test-LEAKCANARY-0123456789abcdef",
            "gsk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
            "csk-abcdefghijklmnopqrstuvwxyz12345678",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
            "nvapi-AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789_x",
            "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
            "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature9",
            "{\"api-key\":\"mistral0123456789abcdefWXYZ\"}",
            "x-goog-api-key=[someGoogleKeyValue1234]",
            "https://generativelanguage.googleapis.com/v1beta/models?key=notAnAIzaShapedKey12345&alt=sse",
    })
    void everySecretShapeIsMaskedAsTheRedactorMasksIt(String secret) {
        String message = "upstream failed for " + secret + " (attempt 1)";

        String line = format(event(message, null));

        assertThat(message(line)).isEqualTo(Redactor.redact(message)).isNotEqualTo(message);
    }

    @Test
    void exceptionMessagesCausesAndSuppressedOnesAreMaskedAndWrittenOnce() {
        IllegalStateException failure = new IllegalStateException("upstream said: invalid key " + KEY,
                new RuntimeException("Authorization: Bearer " + KEY));
        failure.addSuppressed(new RuntimeException("{\"api-key\":\"abcdefghijklmnopqrstuv\"}"));

        String line = format(event("request failed", failure));

        assertThat(line).contains("request failed", "IllegalStateException: upstream said: invalid key sk-****wxyz",
                "Authorization: Bearer ****wxyz", "\"api-key\":\"****stuv\"", "at io.chain429.security.RedactionConfigTest");
        assertThat(line).doesNotContain("RAWKEY", "abcdefghijklmnop");
        assertThat(line.indexOf("IllegalStateException")).as("the exception is written once, inside the redaction")
                .isEqualTo(line.lastIndexOf("IllegalStateException"));
    }

    @Test
    void aLoggerWritingThroughTheConsoleLayoutNeverPrintsTheRawKey() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        List<String> lines = new CopyOnWriteArrayList<>();
        AbstractAppender capture = new AbstractAppender("redaction-test", null, layout(), true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(new String(getLayout().toByteArray(event), StandardCharsets.UTF_8));
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

    @ParameterizedTest
    @ValueSource(strings = {
            "429chain serving 3 chain(s) on http://127.0.0.1:4290/v1",
            "chain=default served-by=groq/llama-3.1-8b-instant attempts=1 status=200 stream=false tokens=36 ttft=- total=412ms",
            "provider groq (groq) enabled, key ****abcd",
            "a risk-assessment-procedure-for-everyone and a task-force-of-twenty-five-people",
            "the authorization header was missing; please check your API key",
    })
    void ordinaryLinesAreWrittenAsTheyAre(String message) {
        assertThat(message(format(event(message, null)))).isEqualTo(message);
    }

    /**
     * The configuration's regular expressions and the Java redactor are one rule: on random lines holding one secret in
     * ordinary text they mask exactly alike; on random lines packed with overlapping secret-like pieces (where three
     * passes and one pass may cut differently) neither leaves anything the other would still call a secret.
     */
    @Test
    void theConfigurationAndTheRedactorAgreeOnRandomLines() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String[] secrets = {
            "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56", "gsk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "csk-abcdefghijklmnopqrstuvwxyz12",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "nvapi-AbCdEfGhIjKlMnOpQrStUvWxYz-01", "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123",
            "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuv", "Authorization: Bearer abc.def.ghi-jkl", "authorization=[Basic dXNlcjpwYXNz]",
            "\"api-key\": \"0123456789abcdef\"", "X-Api-Key: short", "x-goog-api-key:someValue99", "?key=AbCdEf123456",
            "&access_token=tok", "Proxy-Authorization: Token t0k3n-value",
        };
        String[] filler = {" ", "  ", ", ", "; ", "(", ")", "[", "]", "{", "}", "\"", ":", "=", "/", ".", "chain=default",
            "status=429", "task-force", "risk-assessment-procedure", "desk", "the", "key", "authorization header", "Bearer",
            "0123456789", "ünïcødé", "http://127.0.0.1:4290/v1/chat/completions?stream=true"};
        for (int n = 0; n < 2_000; n++) {
            StringBuilder message = new StringBuilder();
            int before = random.nextInt(6);
            for (int p = 0; p < before; p++) {
                message.append(filler[random.nextInt(filler.length)]);
            }
            message.append(' ').append(secrets[random.nextInt(secrets.length)]).append(' ');
            int after = random.nextInt(6);
            for (int p = 0; p < after; p++) {
                message.append(filler[random.nextInt(filler.length)]);
            }
            String text = message.toString();
            assertThat(message(format(event(text, null)))).as("seed %d, line [%s]", seed, text).isEqualTo(Redactor.redact(text));
        }

        String[] pieces = {
            " ", "  ", "\t", ":", ": ", "=", "=[", "\"", "'", ",", ";", "&", "?", "]", "}", ")", "-", "_", "*", "****",
            "Authorization", "authorization", "AUTHORIZATION", "Proxy-Authorization", "api-key", "x-api-key", "API_KEY",
            "apikey", "x-goog-api-key", "Bearer ", "bearer  ", "Basic ", "Token ", "key=", "?key=", "&access_token=",
            "&token=", "sk-", "gsk_", "csk-", "AIza", "nvapi-", "ghp_", "ghs_", "github_pat_", "task-", "risk-",
            "abcdefghij", "KLMNOPQRST", "0123456789", "uvwxyz", "ab", "x", "-_-", "ünï", "\u00a0",
        };
        for (int n = 0; n < 3_000; n++) {
            StringBuilder message = new StringBuilder();
            int parts = 1 + random.nextInt(14);
            for (int p = 0; p < parts; p++) {
                message.append(pieces[random.nextInt(pieces.length)]);
            }
            String text = message.toString();
            String logged = message(format(event(text, null)));
            assertThat(Redactor.containsSecret(logged)).as("seed %d, line [%s] logged as [%s]", seed, text, logged).isFalse();
            assertThat(Redactor.containsSecret(Redactor.redact(text))).as("seed %d, line [%s]", seed, text).isFalse();
        }
    }

    private static PatternLayout layout() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Appender console = context.getConfiguration().getAppender("out");
        assertThat(console).as("log4j2.xml's console appender").isNotNull();
        assertThat(console.getLayout()).isInstanceOf(PatternLayout.class);
        return (PatternLayout) console.getLayout();
    }

    private static LogEvent event(String message, Throwable thrown) {
        return Log4jLogEvent.newBuilder().setLoggerName("io.chain429.test").setLevel(Level.WARN)
                .setMessage(new SimpleMessage(message)).setThrown(thrown).build();
    }

    private static String format(LogEvent event) {
        return layout().toSerializable(event);
    }

    /** The message part of a console line: after time, level and logger, without the line end. */
    private static String message(String line) {
        String prefix = line.substring(0, 13 + 6 + 29);
        assertThat(prefix).contains("i.c.test");
        return line.substring(prefix.length()).replaceFirst("\\R$", "");
    }
}
