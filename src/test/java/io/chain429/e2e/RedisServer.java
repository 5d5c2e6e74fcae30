package io.chain429.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real {@code redis-server} (the Debian package; {@code .ci/run} installs it) run as this test's child process on a
 * loopback port of its own, without persistence, so that a restart comes back empty like a lost cache would.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final Path dir;
    private final List<String> options;
    private Process process;

    private RedisServer(int port, Path dir, List<String> options) {
        this.port = port;
        this.dir = dir;
        this.options = options;
    }

    /**
     * Starts on a free port; redis-server cannot be given port 0, so a port lost to a race is simply tried again.
     *
     * @param options more redis-server options, e.g. {@code --requirepass secret}
     */
    public static RedisServer start(String... options) throws Exception {
        Path dir = Files.createTempDirectory("429chain-redis-test");
        for (int attempt = 0; ; attempt++) {
            RedisServer redis = new RedisServer(freePort(), dir, List.of(options));
            try {
                redis.restart();
                return redis;
            } catch (IllegalStateException lostRace) {
                if (attempt == 4) {
                    throw lostRace;
                }
            }
        }
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts (again) on the same port, empty. */
    public void restart() throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        command.addAll(options);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server exited: " + Files.readString(dir.resolve("redis-" + port + ".log")));
                }
                return pings();
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("redis-server did not answer on port " + port, e);
        }
    }

    /** Stops it the hard way, as a crash or a network cut would look to its clients. */
    public void stop() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Sends one command in Redis' inline form and returns the first line of its answer. */
    public String command(String inline) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString().trim();
        }
    }

    private boolean pings() {
        try {
            String answer = command("PING");
            return answer.equals("+PONG") || answer.startsWith("-NOAUTH"); // answering, password or not
        } catch (IOException notYet) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            stop();
        }
    }
}
