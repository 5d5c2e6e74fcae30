package io.chain429.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up as a user meets it. 429chain runs in a JVM of its own (this test's classpath, {@code io.chain429.App}), so
 * that its exit code and its stderr can be read: a port that another process holds stops it with exit code 2 and one
 * line saying which port and what to do; and its API port answers no request before every route is in place.
 */
class StartUpTest {

    private static final List<String> PROJECT_ROUTES = List.of("api.camel.yaml", "waterfall.camel.yaml", "chain-template.camel.yaml");
    private static final String CHAT = """
            {"model":"default","messages":[{"role":"user","content":"hi"}]}""";

    @TempDir
    Path dir;

    private final List<Launched> started = new ArrayList<>();

    @AfterEach
    void stopWhatStarted() throws InterruptedException {
        for (Launched gateway : started) {
            gateway.process().destroyForcibly().waitFor();
        }
    }

    @Test
    void aTakenApiPortStopsStartUpWithExitCode2AndOneLineNamingIt() throws Exception {
        try (ServerSocket taken = takenPort()) {
            int port = taken.getLocalPort();

            Launched gateway = launch(Map.of("CHAIN429_PORT", String.valueOf(port)));
            gateway.awaitExitOrServing();

            gateway.assertStoppedWithOneLine("429chain cannot start: CHAIN429_PORT: port " + port + " on 127.0.0.1 is already in use"
                    + " by another process: stop it or set CHAIN429_PORT to a free port");
        }
    }

    @Test
    void aTakenManagementPortStopsStartUpWithExitCode2AndOneLineNamingIt() throws Exception {
        try (ServerSocket taken = takenPort()) {
            int port = taken.getLocalPort();

            Launched gateway = launch(Map.of("CHAIN429_PORT", "0", "CHAIN429_MANAGEMENT_PORT", String.valueOf(port)));
            gateway.awaitExitOrServing();

            gateway.assertStoppedWithOneLine("429chain cannot start: CHAIN429_MANAGEMENT_PORT: port " + port + " on 127.0.0.1 is already"
                    + " in use by another process: stop it or set CHAIN429_MANAGEMENT_PORT to a free port");
        }
    }

    /**
     * Camel's options that would change who may call the API port, or what serves operators, are 429chain's own
     * settings here: set in application.properties, they stop start-up with one line rather than being ignored.
     */
    @Test
    void camelsOwnAuthenticationOrManagementServerStopsStartUpWithExitCode2AndOneLineNamingIt() throws Exception {
        Launched authentication = launch(Map.of("CHAIN429_PORT", "0"), "camel.server.authenticationEnabled = true\n");
        Launched management = launch(Map.of("CHAIN429_PORT", "0"), "camel.management.enabled = true\n");
        authentication.awaitExitOrServing();
        management.awaitExitOrServing();

        authentication.assertStoppedWithOneLine("429chain cannot start: camel.server.authenticationEnabled: not supported: clients"
                + " authenticate with CHAIN429_API_KEYS or the clients in 429chain.yaml");
        management.assertStoppedWithOneLine("429chain cannot start: camel.management.enabled: not supported: 429chain's operator"
                + " port is CHAIN429_MANAGEMENT_PORT (/health, /metrics, the console)");
    }

    /**
     * A client that asks from before the process starts, as fast as it can, meets refused connections (or a 503
     * saying 429chain is starting) until every route is in place, then its answer: never a 404 from a server whose
     * routes are still being added, which is what clients behind a load balancer saw on every restart.
     */
    @Test
    void theApiPortAnswersNoRequestBeforeEveryRouteIsInPlace() throws Exception {
        int port = freePort();
        Poller poller = new Poller(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"));
        Thread polling = new Thread(poller, "start-up-poller");
        polling.setDaemon(true);
        polling.start();
        Launched gateway = launch(Map.of("CHAIN429_PORT", String.valueOf(port)));
        await().forever().pollInterval(Duration.ofMillis(20)).until(() -> poller.done || !gateway.process().isAlive());
        poller.done = true;
        polling.join();

        assertThat(gateway.process().isAlive()).as("running; its output:%n%s", gateway.stdout()).isTrue();
        assertThat(poller.refused).as("refused connections: the client asked before the port opened").isPositive();
        HttpResponse<String> last = poller.answers.remove(poller.answers.size() - 1);
        assertThat(poller.answers).as("answers before the first 200").allSatisfy(StartUpTest::assertStarting);
        assertThat(last.statusCode()).as("the first answer that is no 503: %s", last.body()).isEqualTo(200);
        assertThat(last.headers().firstValue("X-429chain-Provider")).hasValue("demo/echo");
        await().forever().pollInterval(Duration.ofMillis(20)).until(() -> gateway.stdout().contains("429chain serving 1 chain(s)"));
    }

    /**
     * The log names each chain with its steps, and nothing goes to stderr: no JVM warning greets a newcomer. Nor does
     * the log warn of anything but the console being off (no login set): not of the shipped route files, say, which
     * Camel warns of when they use a notation it no longer recommends.
     */
    @Test
    void aStartListsEachChainWithItsStepsWarnsOnlyOfTheConsoleAndWritesNothingOnStderr() throws Exception {
        Launched gateway = launch(Map.of("CHAIN429_PORT", "0")); // the system picks the port; the log names it
        gateway.awaitExitOrServing();

        assertThat(gateway.process().isAlive()).as("running; its output:%n%s", gateway.stdout()).isTrue();
        Matcher serving = Pattern.compile("429chain serving 1 chain\\(s\\) on (http://127\\.0\\.0\\.1:\\d+/v1)").matcher(gateway.stdout());
        assertThat(serving.find()).as("the serving line; the log:%n%s", gateway.stdout()).isTrue();
        HttpResponse<String> models = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(serving.group(1) + "/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).as("the port it names answers").isEqualTo(200);
        assertThat(gateway.stdout()).containsPattern("INFO .* chain default: demo/echo — \\S*chains\\.camel\\.yaml:1\\R");
        assertThat(gateway.stdout().lines().filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")))
                .as("warnings in the log").singleElement().asString().contains("console off");
        assertThat(gateway.stderr()).as("stderr").isEmpty();
    }

    /**
     * The container image starts java through docker/run-java.sh, which adds the options its Java version takes: on
     * Java 24 and later, without them, the JVM writes four lines of sun.misc.Unsafe warnings about Netty to stderr.
     */
    @Test
    void theContainersEntryPointStartsItWithoutWarningsOnThisJava() throws Exception {
        List<String> entryPoint = List.of("sh", Path.of("docker/run-java.sh").toAbsolutePath().toString(), "-Xmx256m");
        Launched gateway = launch(Map.of("CHAIN429_PORT", "0", "JAVA_HOME", System.getProperty("java.home")),
                entryPoint, "");
        gateway.awaitExitOrServing();

        assertThat(gateway.process().isAlive()).as("running; its output:%n%s%s", gateway.stdout(), gateway.stderr()).isTrue();
        assertThat(gateway.stderr()).as("stderr").isEmpty();
    }

    /** Asks for a chat completion in a tight loop until it is answered with anything but a 503, noting refusals. */
    private static final class Poller implements Runnable {

        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final HttpRequest request;
        final List<HttpResponse<String>> answers = new ArrayList<>(); // read once the poller has ended, like refused
        long refused;
        volatile boolean done;

        Poller(URI target) {
            request = HttpRequest.newBuilder(target).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();
        }

        @Override
        public void run() {
            while (!done) {
                try {
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    answers.add(response);
                    done = response.statusCode() != 503;
                } catch (IOException notListening) {
                    refused++;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** What the API port may answer while 429chain starts, if anything: an OpenAI-shaped 503 that says so. */
    private static void assertStarting(HttpResponse<String> response) {
        String code;
        try {
            code = new ObjectMapper().readTree(response.body()).path("error").path("code").asText();
        } catch (IOException e) {
            code = response.body();
        }
        assertThat(response.statusCode() + " " + code).as("an answer before the first 200: %s", response.body()).isEqualTo("503 starting");
        assertThat(response.headers().firstValue("Retry-After")).as("Retry-After").isPresent();
    }

    /** 429chain started by {@link #launch}, with its stdout (the log) and stderr in files of their own. */
    private record Launched(Process process, Path out, Path err) {

        String stdout() {
            return read(out);
        }

        String stderr() {
            return read(err);
        }

        /** A gateway that does not stop says "serving" once it is up: no time limit is needed to catch it. */
        void awaitExitOrServing() {
            await().forever().pollInterval(Duration.ofMillis(20))
                    .until(() -> !process.isAlive() || stdout().contains("429chain serving"));
        }

        void assertStoppedWithOneLine(String line) {
            assertThat(process.isAlive()).as("still running; its output:%n%s", stdout()).isFalse();
            assertThat(process.exitValue()).as("exit code; stderr:%n%s", stderr()).isEqualTo(2);
            assertThat(stderr().lines().filter(l -> !l.isBlank())).as("stderr").containsExactly(line);
            assertThat(stdout()).as("the log")
                    .doesNotContain("429chain serving")
                    .doesNotContain("Exception")
                    .doesNotContainPattern("(?m)^\\s+at ");
        }

        private static String read(Path file) {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Starts 429chain with the demo provider and one chain, {@code default}, in a JVM of its own. */
    private Launched launch(Map<String, String> environment) throws IOException {
        return launch(environment, "");
    }

    /** @param applicationProperties what config/application.properties says */
    private Launched launch(Map<String, String> environment, String applicationProperties) throws IOException {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        java.addAll(ChildJvm.quietUnsafeOptions());
        return launch(environment, java, applicationProperties);
    }

    /**
     * @param java the command that starts this JVM's java with its options, before the class path
     * @param applicationProperties what config/application.properties says
     */
    private Launched launch(Map<String, String> environment, List<String> java, String applicationProperties) throws IOException {
        Path home = Files.createTempDirectory(dir, "gateway");
        Path config = Files.createDirectories(home.resolve("config"));
        Path routes = Files.createDirectories(home.resolve("routes"));
        Files.writeString(config.resolve("application.properties"), applicationProperties);
        Files.writeString(config.resolve("429chain.yaml"), """
                version: 1
                providers:
                  - id: demo
                    type: demo
                """);
        for (String file : PROJECT_ROUTES) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        Files.writeString(routes.resolve("chains.camel.yaml"), RunningGateway.chains("default", "demo/echo"));
        List<String> command = new ArrayList<>(java);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.chain429.App"));
        Path out = home.resolve("stdout.log");
        Path err = home.resolve("stderr.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.endsWith("_API_KEY") || name.startsWith("CHAIN429_"));
        builder.environment().put("CHAIN429_MANAGEMENT_PORT", "0");
        builder.environment().putAll(environment);
        builder.environment().put("CHAIN429_CONFIG_DIR", config.toString());
        builder.environment().put("CHAIN429_ROUTES_DIR", routes.toString());
        builder.environment().put("CHAIN429_DATA_DIR", Files.createDirectories(home.resolve("data")).toString());
        Launched gateway = new Launched(builder.start(), out, err);
        started.add(gateway);
        return gateway;
    }

    /** A port held as another program would hold it: bound and listening on 127.0.0.1. */
    private static ServerSocket takenPort() throws IOException {
        return new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
