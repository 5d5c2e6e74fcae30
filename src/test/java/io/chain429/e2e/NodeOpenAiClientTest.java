package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The official {@code openai} npm package (src/test/node, installed by {@code npm ci} during {@code mvn verify})
 * driving the running 429chain from a real Node.js process, streaming and not.
 */
@ExtendWith(GatewayExtension.class)
class NodeOpenAiClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path NODE_PROJECT = Path.of("src", "test", "node").toAbsolutePath();
    private static final Path SCRIPT = NODE_PROJECT.resolve("chat-client.mjs");
    private static final Duration SCRIPT_DEADLINE = Duration.ofSeconds(60);
    private static final List<String> TOKENS =
            List.of("Once ", "upon ", "a ", "time ", "a ", "proxy ", "kept ", "every ", "token ", "flowing.");

    @Simulated("sim")
    private ProviderSimulator simulator;
    private RunningGateway gateway;

    /** What the script printed, one JSON object per line, and how it ended. */
    private record NodeRun(int exitCode, List<JsonNode> lines, String stdout, String stderr) {
        List<JsonNode> chunks() {
            return lines.stream().filter(line -> line.has("t")).toList();
        }

        List<JsonNode> contentChunks() {
            return chunks().stream().filter(line -> !line.path("content").asText("").isEmpty()).toList();
        }

        List<String> contents() {
            return contentChunks().stream().map(line -> line.path("content").asText()).toList();
        }

        JsonNode last() {
            return lines.isEmpty() ? JSON.nullNode() : lines.get(lines.size() - 1);
        }

        String describe() {
            return "exit code " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
        }
    }

    @BeforeEach
    void boot() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: sim
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(simulator.baseUrl()),
                chains("duo", "sim/model-a, sim/model-b"), Map.of());
        // one ordinary and one streamed request first, so that the timings below measure streaming, not the class
        // loading and JIT of the gateway's first request on each path
        assertThat(gateway.chat("duo").statusCode()).isEqualTo(200);
        simulator.then(Reply.stream(StreamScript.chat("model-a", "warming ", "up")));
        assertThat(gateway.post("/v1/chat/completions", """
                {"model":"duo","stream":true,"messages":[{"role":"user","content":"warm-up"}]}""").statusCode()).isEqualTo(200);
    }

    @Test
    void streamedTokensReachTheNodeSdkAsTheyAreProducedAndTheStreamEndsCleanly() throws Exception {
        simulator.then(Reply.stream(StreamScript.chat("model-a", TOKENS.toArray(String[]::new)).interval(Duration.ofMillis(100))));

        NodeRun run = runNode("stream");

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.contents()).as("every token, in order\n" + run.describe()).containsExactlyElementsOf(TOKENS);
        double first = run.contentChunks().get(0).path("t").asDouble();
        double last = run.contentChunks().get(run.contentChunks().size() - 1).path("t").asDouble();
        assertThat(last - first).as("ms between the first and the last token: tokens are not buffered\n" + run.describe())
                .isGreaterThanOrEqualTo(700.0);
        assertThat(run.chunks()).as(run.describe())
                .anySatisfy(chunk -> assertThat(chunk.path("finish").asText()).isEqualTo("stop"));
        assertThat(run.last().path("done").asBoolean()).as("the stream ends with [DONE]\n" + run.describe()).isTrue();
    }

    @Test
    void aStreamCutAfterItWasCommittedIsAnErrorInTheNodeSdkNotACleanEnd() throws Exception {
        simulator.then(Reply.stream(StreamScript.chat("model-a", TOKENS.toArray(String[]::new))
                .interval(Duration.ofMillis(20))
                .cutAfter(4)));

        NodeRun run = runNode("stream");

        assertThat(run.exitCode()).as("the SDK raised\n" + run.describe()).isEqualTo(3);
        assertThat(run.lines()).as(run.describe()).noneSatisfy(line -> assertThat(line.has("done")).isTrue());
        assertThat(run.contents()).as("tokens before the cut were delivered\n" + run.describe()).isNotEmpty();
        assertThat(run.last().path("error").asText()).as(run.describe()).isEqualTo("APIError");
        assertThat(run.last().path("code").asText()).as(run.describe()).isEqualTo("upstream_stream_error");
    }

    @Test
    void aNonStreamingCompletionReachesTheNodeSdk() throws Exception {
        NodeRun run = runNode("complete");

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.lines()).as(run.describe()).hasSize(1);
        assertThat(run.last().path("content").asText()).as(run.describe()).isEqualTo("hello from sim");
        assertThat(run.last().path("model").asText()).as(run.describe()).isEqualTo("model-a");
    }

    /** Runs {@code node chat-client.mjs <gateway> duo <mode>} and collects what it printed. */
    private NodeRun runNode(String mode) throws Exception {
        Path node = findNode();
        if (!Files.isDirectory(NODE_PROJECT.resolve("node_modules").resolve("openai"))) {
            fail("the openai npm package is not installed in " + NODE_PROJECT
                    + ": run `npm ci` there (mvn verify does it in generate-test-resources)");
        }
        Path stderrFile = Files.createTempFile("429chain-node-", ".stderr");
        try {
            Process process = new ProcessBuilder(node.toString(), SCRIPT.toString(), gateway.baseUrl(), "duo", mode)
                    .directory(NODE_PROJECT.toFile())
                    .redirectError(stderrFile.toFile())
                    .start();
            process.getOutputStream().close();
            StringBuilder stdout = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        synchronized (stdout) {
                            stdout.append(line).append('\n');
                        }
                    }
                } catch (IOException e) {
                    // the process was killed: what was read so far is reported
                }
            });
            reader.setDaemon(true);
            reader.start();
            if (!process.waitFor(SCRIPT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                synchronized (stdout) {
                    fail("node chat-client.mjs did not finish within " + SCRIPT_DEADLINE + "\n--- stdout ---\n" + stdout
                            + "--- stderr ---\n" + Files.readString(stderrFile));
                }
            }
            reader.join(5000);
            String out;
            synchronized (stdout) {
                out = stdout.toString();
            }
            String err = Files.readString(stderrFile);
            List<JsonNode> parsed = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    parsed.add(JSON.readTree(line));
                } catch (IOException e) {
                    fail("node chat-client.mjs printed a line that is not JSON: " + line
                            + "\nexit code " + process.exitValue() + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err);
                }
            }
            return new NodeRun(process.exitValue(), List.copyOf(parsed), out, err);
        } finally {
            Files.deleteIfExists(stderrFile);
        }
    }

    /** The {@code node} executable on the PATH, or a failed test saying it is missing. */
    private static Path findNode() {
        boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
        List<String> names = windows ? List.of("node.exe", "node.cmd", "node") : List.of("node");
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .flatMap(dir -> names.stream().map(name -> Path.of(dir, name)))
                .filter(candidate -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                .findFirst()
                .orElseGet(() -> fail("`node` is not on the PATH (" + path + "): NodeOpenAiClientTest drives the official openai "
                        + "npm package and needs Node.js 20+ with npm installed"));
    }
}
