package io.chain429.e2e;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A 429chain replica in a JVM of its own (this test's classpath, {@code io.chain429.App}), so that a test can kill it
 * the way a crash would: no shutdown, nothing released.
 */
final class ReplicaProcess implements AutoCloseable {

    private static final List<String> PROJECT_ROUTES = List.of("api.camel.yaml", "waterfall.camel.yaml", "chain-template.camel.yaml");
    private static final Pattern SERVING = Pattern.compile("429chain serving \\d+ chain\\(s\\) on http://127\\.0\\.0\\.1:(\\d+)/v1");

    private final Process process;
    private final Path log;
    /** The API port, read from the log once the replica serves. */
    private volatile int port;

    private ReplicaProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ReplicaProcess start(String gatewayYaml, String chainsYaml, Map<String, String> environment) throws Exception {
        return start(gatewayYaml, chainsYaml, environment, List.of());
    }

    /** @param jvmOptions more options for the replica's JVM, e.g. the trust store its TLS connections use */
    static ReplicaProcess start(String gatewayYaml, String chainsYaml, Map<String, String> environment, List<String> jvmOptions)
            throws Exception {
        Path dir = Files.createTempDirectory("429chain-redis-replica");
        Path config = Files.createDirectories(dir.resolve("config"));
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Files.writeString(config.resolve("429chain.yaml"), gatewayYaml);
        for (String file : PROJECT_ROUTES) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        Files.writeString(routes.resolve("chains.camel.yaml"), chainsYaml);
        Path log = dir.resolve("replica.log");
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        command.addAll(ChildJvm.quietUnsafeOptions());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.chain429.App"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        builder.environment().put("CHAIN429_CONFIG_DIR", config.toString());
        builder.environment().put("CHAIN429_ROUTES_DIR", routes.toString());
        builder.environment().put("CHAIN429_DATA_DIR", Files.createDirectories(dir.resolve("data")).toString());
        // any free port, named in the log once open: a port chosen free beforehand may be taken before the replica binds it
        builder.environment().put("CHAIN429_PORT", "0");
        builder.environment().put("CHAIN429_MANAGEMENT_PORT", "0");
        ReplicaProcess replica = new ReplicaProcess(builder.start(), log);
        replica.awaitReady();
        return replica;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** SIGKILL: the replica gets no chance to release anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the replica exited during start-up:\n" + Files.readString(log));
                }
                Matcher serving = SERVING.matcher(Files.readString(log));
                if (!serving.find()) {
                    return false; // not listening yet
                }
                port = Integer.parseInt(serving.group(1));
                return http.send(HttpRequest.newBuilder(uri("/v1/models")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200
                        && Files.readString(log).contains("is reachable");
            });
        } catch (ConditionTimeoutException e) {
            kill();
            throw new IllegalStateException("the replica did not start; see " + log, e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
