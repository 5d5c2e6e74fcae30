package io.chain429.bench;

import io.chain429.e2e.ChildJvm;
import java.io.IOException;
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
import java.util.concurrent.TimeUnit;

/**
 * 429chain started the way a user starts it, {@code java -jar target/429chain.jar}, as its own process with its own
 * config and routes folders, so that its memory can be read from {@code /proc/<pid>/status}.
 */
final class GatewayProcess implements AutoCloseable {

    private static final List<String> PROJECT_ROUTES = List.of("api.camel.yaml", "waterfall.camel.yaml", "chain-template.camel.yaml");

    private final Process process;
    private final int port;
    private final int managementPort;
    private final Path dataDir;
    private final List<String> command;
    private final Path log;

    private GatewayProcess(Process process, int port, int managementPort, Path dataDir, List<String> command, Path log) {
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
        this.dataDir = dataDir;
        this.command = command;
        this.log = log;
    }

    /**
     * Writes {@code 429chain.yaml} and the chains next to copies of the project's own route files in {@code workDir},
     * starts the jar there and waits until it answers {@code GET /v1/models}.
     */
    static GatewayProcess start(Path jar, Path projectRoutes, Path workDir, String gatewayYaml, String chainsYaml,
                                List<String> jvmOptions, Map<String, String> environment, Path log) throws Exception {
        Path config = Files.createDirectories(workDir.resolve("config"));
        Path routes = Files.createDirectories(workDir.resolve("routes"));
        Path data = Files.createDirectories(workDir.resolve("data"));
        Files.writeString(config.resolve("429chain.yaml"), gatewayYaml);
        for (String file : PROJECT_ROUTES) {
            Files.copy(projectRoutes.resolve(file), routes.resolve(file));
        }
        Files.writeString(routes.resolve("chains.camel.yaml"), chainsYaml);

        int port = freePort();
        int managementPort = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // a quiet start, as in the container image: no sun.misc.Unsafe warnings in the log the report links to
        command.addAll(ChildJvm.quietUnsafeOptions());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        builder.environment().put("CHAIN429_CONFIG_DIR", config.toString());
        builder.environment().put("CHAIN429_ROUTES_DIR", routes.toString());
        builder.environment().put("CHAIN429_DATA_DIR", data.toString());
        builder.environment().put("CHAIN429_HOST", "127.0.0.1");
        builder.environment().put("CHAIN429_PORT", String.valueOf(port));
        builder.environment().put("CHAIN429_MANAGEMENT_PORT", String.valueOf(managementPort));
        GatewayProcess gateway = new GatewayProcess(builder.start(), port, managementPort, data, command, log);
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close));
        gateway.awaitReady(Duration.ofSeconds(90));
        return gateway;
    }

    private void awaitReady(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest models = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("429chain exited with code " + process.exitValue() + " during start-up; see " + log
                        + ":\n" + tail(20));
            }
            try {
                if (http.send(models, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        close();
        throw new IllegalStateException("429chain did not answer within " + timeout + "; see " + log);
    }

    int port() {
        return port;
    }

    /** The port of /health and /metrics. */
    int managementPort() {
        return managementPort;
    }

    /** Where 429chain keeps provider-state.json and requests.log. */
    Path dataDir() {
        return dataDir;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    List<String> command() {
        return command;
    }

    Path log() {
        return log;
    }

    /** Resident set size now, in KiB ({@code VmRSS}). */
    long rssKiB() {
        return statusKiB("VmRSS:");
    }

    /** Peak resident set size since start, in KiB ({@code VmHWM}). */
    long peakRssKiB() {
        return statusKiB("VmHWM:");
    }

    int threads() {
        return (int) statusKiB("Threads:");
    }

    private long statusKiB(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Asks the 429chain JVM for a full garbage collection ({@code jcmd <pid> GC.run}), so that the heap in use
     * afterwards is the live data; false when jcmd is not available or failed.
     */
    boolean fullGc() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "GC.run")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The 429chain JVM's performance counters (threads started, heap), read from its hsperfdata file. */
    PerfCounters perfCounters() {
        return new PerfCounters(process.pid());
    }

    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
