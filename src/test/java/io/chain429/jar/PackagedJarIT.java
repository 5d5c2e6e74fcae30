package io.chain429.jar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chain429.e2e.SelfSignedCertificate;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command, as a newcomer types it: {@code java -jar target/429chain.jar} in the project folder,
 * with no API keys. Also: a broken config file stops start-up with a message naming the file, line and field.
 */
class PackagedJarIT {

    private static final Path JAR = Path.of("target", "429chain.jar");
    private static final Pattern SERVING = Pattern.compile("429chain serving \\d+ chain\\(s\\) on (https?://127\\.0\\.0\\.1:\\d+/v1)");

    @Test
    void theJarStartsFromTheShippedFilesAndAnswersTheFirstCurlWithTheDemo(@TempDir Path data) throws Exception {
        Process process = start(Path.of("."), "CHAIN429_DATA_DIR", data.toString());
        String api;
        try {
            api = awaitServing(process);
            HttpClient http = HttpClient.newHttpClient();
            waitForAnswer(http, HttpRequest.newBuilder(URI.create(api + "/models")).build());
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(api + "/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"default\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode body = new ObjectMapper().readTree(response.body());
            assertThat(body.path("choices").get(0).path("message").path("content").asText()).contains("demo", "ping");
            assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("demo/echo");
        } finally {
            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }
        String log = Files.readString(logOf(process));
        assertThat(log).contains("provider groq (groq) disabled: environment variable GROQ_API_KEY is not set");
        assertThat(log).contains("serving 2 chain(s) on " + api);
        assertThat(api).startsWith("http://127.0.0.1:");
    }

    @Test
    void aBrokenConfigStopsStartUpNamingTheFileLineAndField(@TempDir Path dir) throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("429chain.yaml"), """
                version: 1
                providers:
                  - id: demo
                    type: demo
                    quotaScop: model
                """);
        Process process = start(Path.of("."), "CHAIN429_CONFIG_DIR", config.toString());

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(Files.readString(logOf(process)))
                .contains("429chain cannot start: " + config.resolve("429chain.yaml") + ":5: providers[0].quotaScop")
                .contains("did you mean 'quotaScope'?");
    }

    @Test
    void sigtermLetsOpenStreamsFinishTurnsNewRequestsAwayAndExitsZero(@TempDir Path dir) throws Exception {
        try (ProviderSimulator provider = new ProviderSimulator("slow")) {
            String[] tokens = new String[20];
            java.util.Arrays.fill(tokens, "tok ");
            provider.always(Reply.stream(StreamScript.chat("m", tokens).interval(Duration.ofMillis(100))));
            Path config = Files.createDirectories(dir.resolve("config"));
            Path routes = Files.createDirectories(dir.resolve("routes"));
            Path data = dir.resolve("data");
            Files.writeString(config.resolve("429chain.yaml"), """
                    version: 1
                    providers:
                      - id: sim
                        type: openai-compatible
                        baseUrl: %s
                    """.formatted(provider.baseUrl()));
            for (String file : List.of("api.camel.yaml", "waterfall.camel.yaml", "chain-template.camel.yaml")) {
                Files.copy(Path.of("routes", file), routes.resolve(file));
            }
            Files.writeString(routes.resolve("chains.camel.yaml"), """
                    - templatedRoute:
                        routeTemplateRef: chain
                        parameters:
                          - name: name
                            value: slow
                          - name: steps
                            value: sim/m
                    """);
            Process process = start(Path.of("."), "CHAIN429_CONFIG_DIR", config.toString(),
                    "CHAIN429_ROUTES_DIR", routes.toString(), "CHAIN429_DATA_DIR", data.toString());
            String api = awaitServing(process);
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest streamRequest = HttpRequest.newBuilder(URI.create(api + "/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"slow\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build();
            waitForAnswer(http, HttpRequest.newBuilder(URI.create(api + "/models")).build());
            var stream = http.sendAsync(streamRequest, HttpResponse.BodyHandlers.ofString());
            await("the stream is open").atMost(Duration.ofSeconds(30)).until(() -> provider.openStreams() == 1);

            process.destroy(); // SIGTERM
            await("the drain has begun").atMost(Duration.ofSeconds(30))
                    .until(() -> Files.readString(logOf(process)).contains("shutting down: refusing new requests"));
            HttpResponse<String> refused = http.send(streamRequest, HttpResponse.BodyHandlers.ofString());

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(new ObjectMapper().readTree(refused.body()).path("error").path("code").asText()).isEqualTo("shutting_down");
            String streamed = stream.get(20, TimeUnit.SECONDS).body();
            assertThat(streamed).as("the open stream finished").endsWith("data: [DONE]\n\n");
            assertThat(streamed.split("tok ", -1)).hasSize(21);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
            assertThat(data.resolve("provider-state.json")).as("state written on the way out").exists();
        }
    }

    @Test
    void withACertificateAndKeyTheJarServesHttpsAndSaysSo(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir, "jar-tls", "RSA");
        Process process = start(Path.of("."), "CHAIN429_DATA_DIR", dir.resolve("data").toString(),
                "CHAIN429_TLS_CERT", certificate.certificate().toString(), "CHAIN429_TLS_KEY", certificate.privateKey().toString());
        try {
            String api = awaitServing(process);
            assertThat(api).as("the log says so").startsWith("https://127.0.0.1:");
            HttpClient https = HttpClient.newBuilder().sslContext(certificate.trustingIt()).build();
            HttpResponse<String> models = waitForAnswer(https, HttpRequest.newBuilder(URI.create(api + "/models")).build());
            assertThat(models.statusCode()).isEqualTo(200);
        } finally {
            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }
    }

    @Test
    void aMissingTlsKeyFileStopsStartUpWithExitCode2NamingIt(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir, "jar-tls", "RSA");
        Path absent = dir.resolve("absent.key");
        Process process = start(Path.of("."), "CHAIN429_TLS_CERT", certificate.certificate().toString(), "CHAIN429_TLS_KEY", absent.toString());

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(Files.readString(logOf(process))).contains("429chain cannot start: " + absent + ": CHAIN429_TLS_KEY: no such file");
    }

    private final Map<Process, Path> logs = new HashMap<>();

    private Process start(Path workingDir, String... environment) throws IOException {
        Path log = Files.createTempFile("429chain-jar", ".log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.endsWith("_API_KEY") || name.startsWith("CHAIN429_"));
        // any free ports: the API's is read from the log (awaitServing); one chosen free beforehand could be taken meanwhile
        builder.environment().put("CHAIN429_PORT", "0");
        builder.environment().put("CHAIN429_MANAGEMENT_PORT", "0");
        for (int i = 0; i < environment.length; i += 2) {
            builder.environment().put(environment[i], environment[i + 1]);
        }
        Process process = builder.start();
        logs.put(process, log);
        return process;
    }

    private Path logOf(Process process) {
        return logs.get(process);
    }

    /** Waits until 429chain answers 200 here: its port opens once its routes are in place, after the JVM has started. */
    private static HttpResponse<String> waitForAnswer(HttpClient http, HttpRequest request) {
        return await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(IOException.class) // not yet listening
                .until(() -> http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)),
                        response -> response.statusCode() == 200);
    }

    /** The API's base URL ({@code http(s)://127.0.0.1:<port>/v1}) from the log's serving line, once it is there. */
    private String awaitServing(Process process) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("429chain exited during start-up:\n" + Files.readString(logOf(process)));
            }
            Matcher serving = SERVING.matcher(Files.readString(logOf(process)));
            return serving.find() ? serving.group(1) : null;
        }, java.util.Objects::nonNull);
    }
}
