package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.ops.ConsoleCredentials;
import io.chain429.ops.ProviderMBeans;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator console in a real browser: Debian's chromium ({@code /usr/bin/chromium}) driven by {@code playwright-core}
 * (src/test/node/console-view.mjs) against a running 429chain whose providers are local simulators put in the states an
 * operator must see at a glance: one cooling down, a step with an open circuit, one whose key was rejected, one
 * serving. The script logs in, reads the 429chain view, disables a provider from it and opens a chain's route
 * diagram and source; any page error fails it.
 */
class ConsoleViewTest {

    private static final String USER = "ops";
    private static final String PASSWORD = "console-view-s3cret";
    private static final Reply UNAUTHORIZED = Reply.json(401, "{\"error\":{\"message\":\"Invalid API key\"}}");

    private final List<ProviderSimulator> simulators = new ArrayList<>();
    private RunningGateway gateway;

    @BeforeEach
    void boot() throws Exception {
        ProviderSimulator cool = simulator("cool");
        ProviderSimulator flaky = simulator("flaky");
        ProviderSimulator rejected = simulator("rejected");
        ProviderSimulator steady = simulator("steady");
        rejected.modelsAlways(UNAUTHORIZED);
        cool.then(Reply.json(429, "{}").withHeader("retry-after", "600"));
        flaky.always(Reply.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: cool
                    type: openai-compatible
                    baseUrl: %s
                  - id: flaky
                    type: openai-compatible
                    baseUrl: %s
                  - id: rejected
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:REJECTED_KEY}
                  - id: steady
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:STEADY_KEY}
                    limits: {rpd: 1000, concurrency: 4}
                """.formatted(cool.baseUrl(), flaky.baseUrl(), rejected.baseUrl(), steady.baseUrl()),
                chains("main", "cool/model-a, flaky/model-b, steady/model-c", "keyed", "rejected/model-d, steady/model-c"),
                Map.of("REJECTED_KEY", "sk-rejected-0000000000009876", "STEADY_KEY", "sk-steady-000000000000STDY",
                        ConsoleCredentials.USER_VARIABLE, USER, ConsoleCredentials.PASSWORD_VARIABLE, PASSWORD));

        // cool answers 429 (cooling 10 min); flaky fails every attempt until its circuit opens; steady serves
        eventually().until(() -> gateway.chat("main").statusCode() == 200 && status("flaky").equals("circuit open"));
        eventually().until(() -> status("rejected").equals("disabled"));
        assertThat(gateway.chat("keyed").statusCode()).isEqualTo(200);
        assertThat(status("cool")).isEqualTo("cooling");
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        simulators.forEach(ProviderSimulator::close);
    }

    @Test
    void anOperatorSeesEveryProvidersStateAndWhyDisablesOneAndOpensAChainsDiagram() throws Exception {
        assertThat(ConsoleScript.CHROMIUM).as("Debian's chromium (apt-get install -y chromium; .ci/run installs it)").isExecutable();
        assertThat(ConsoleScript.NODE_PROJECT.resolve("node_modules/playwright-core")).as("npm ci in src/test/node (mvn verify runs it)")
                .isDirectory();
        Path shots = Files.createDirectories(Path.of("target", "console-view")).toAbsolutePath();

        // a failure names what it missed; the screenshot of the page it failed on is in target/console-view
        List<JsonNode> lines = ConsoleScript.run("console-view.mjs", gateway, USER, PASSWORD, shots.toString());

        assertThat(lines).extracting(line -> line.path("check").asText()).contains(
                "opens on the 429chain view", "cooling provider with a live countdown", "open circuit and why", "rejected key",
                "failed attempts and where", "disable steady", "chain route diagram", "route source", "no page errors");
        assertThat(status("steady")).as("disabled from the browser").isEqualTo("disabled");
        lines.stream().filter(line -> line.path("check").asText().equals("drawn"))
                .forEach(line -> System.out.println("429chain view: one refresh read and drawn in " + line.path("ms") + " ms"));
    }

    private ProviderSimulator simulator(String name) throws IOException {
        ProviderSimulator simulator = new ProviderSimulator(name);
        simulators.add(simulator);
        return simulator;
    }

    private static String status(String providerId) throws Exception {
        return String.valueOf(ManagementFactory.getPlatformMBeanServer().getAttribute(ProviderMBeans.providerName(providerId), "Status"));
    }

    /** Waits on the condition; the minute only keeps a broken build from hanging, it times nothing. */
    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50)).ignoreExceptions();
    }
}
