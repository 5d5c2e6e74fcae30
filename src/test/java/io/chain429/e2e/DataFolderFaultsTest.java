package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data folder that cannot take what 429chain writes is reported where an operator looks: once at start-up in the
 * log, and in {@code /health} while it lasts — without taking the replica DOWN.
 */
@ExtendWith(GatewayExtension.class)
class DataFolderFaultsTest {

    private static final String STATE_WARNING = "provider state cannot be saved";

    @TempDir
    Path dataDir;
    @Simulated
    private ProviderSimulator first;
    private RunningGateway gateway;
    private final StringWriter log = new StringWriter();
    private WriterAppender appender;

    @BeforeEach
    void capture() throws Exception {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        appender = WriterAppender.newBuilder().setName("data-folder-capture").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %m%n").build()).build();
        appender.start();
        root(context).addAppender(appender, null, null);
        context.updateLoggers();
    }

    @AfterEach
    void stop() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        root(context).removeAppender(appender.getName());
        context.updateLoggers();
    }

    @Test
    void aDirectoryWhereTheStateFileGoesIsReportedOnceAtStartUpAndInHealthWhileTheGatewayServesOn() throws Exception {
        Files.createDirectories(dataDir.resolve("provider-state.json").resolve("in-the-way"));
        first.then(Reply.json(429, "{\"error\":{\"message\":\"slow down\"}}").withHeader("retry-after", "30"));
        boot();

        assertThat(warnings()).as("at start-up, before any change").isEqualTo(1);
        assertThat(log.toString()).contains("a directory is in the file's place").contains("CHAIN429_DATA_DIR");
        JsonNode health = json(gateway.getManagement("/health"));
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("state").path("writable").asBoolean()).isFalse();
        assertThat(health.path("state").path("problem").asText()).isEqualTo("a directory is in the file's place");

        assertThat(gateway.chat("duo").statusCode()).as("it serves on: the 429 cools first down").isEqualTo(200);
        await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(10)).until(() -> warnings() == 1);
        assertThat(dataDir.resolve("provider-state.json.tmp")).as("no leftover temporary file").doesNotExist();
    }

    @Test
    void aStateFileThatCanBeWrittenSaysSoInHealth() throws Exception {
        boot();

        JsonNode state = json(gateway.getManagement("/health")).path("state");
        assertThat(state.path("writable").asBoolean()).isTrue();
        assertThat(state.path("problem").isNull()).isTrue();
        assertThat(state.path("file").asText()).endsWith("provider-state.json");
        assertThat(warnings()).isZero();
    }

    @Test
    void requestLogLinesThatCannotBeWrittenAreCountedInHealth() throws Exception {
        Files.createDirectories(dataDir.resolve("requests.log"));
        boot();

        assertThat(gateway.chat("duo").statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() ->
                json(gateway.getManagement("/health")).path("requestLog").path("droppedLines").asLong() >= 1);
        assertThat(json(gateway.getManagement("/health")).path("status").asText()).isEqualTo("UP");
    }

    private void boot() throws Exception {
        ProviderSimulator second = first; // one simulator serves both steps: a 429 on the first moves to the second
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl(), second.baseUrl()), chains("duo", "first/model-a, second/model-b"),
                Map.of("CHAIN429_DATA_DIR", dataDir.toString()));
    }

    private int warnings() {
        return (int) log.toString().lines().filter(line -> line.startsWith("WARN") && line.contains(STATE_WARNING)).count();
    }

    private static LoggerConfig root(LoggerContext context) {
        return context.getConfiguration().getRootLogger();
    }
}
