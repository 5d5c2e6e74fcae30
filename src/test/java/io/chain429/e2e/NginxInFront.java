package io.chain429.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Debian's nginx as a child process, serving the project's own site config ({@code docker/nginx.conf}) on a loopback
 * port in front of a 429chain. Only the two addresses in the site change: where it listens and where 429chain is.
 */
final class NginxInFront implements AutoCloseable {

    static final Path NGINX = Path.of("/usr/sbin/nginx");
    static final Path SITE = Path.of("docker", "nginx.conf");
    private static final String SHIPPED_LISTEN = "listen 80;";
    private static final String SHIPPED_UPSTREAM = "server 127.0.0.1:4290;";
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);

    private final Process process;
    private final int port;

    private NginxInFront(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts nginx proxying to 429chain on this loopback port. Fails, never skips, when nginx is not installed. */
    static NginxInFront start(int upstreamPort) throws Exception {
        if (!Files.isExecutable(NGINX)) {
            throw new IllegalStateException(NGINX + " is missing: the nginx tests need Debian's nginx (apt-get install nginx-light)");
        }
        Path dir = Files.createTempDirectory("429chain-nginx-test");
        // nginx cannot report a port it chose itself, so a free port is picked and, if someone takes it first, another.
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            Files.writeString(dir.resolve("429chain-site.conf"), site(port, upstreamPort));
            Files.writeString(dir.resolve("nginx.conf"), mainConfig(dir));
            Files.deleteIfExists(dir.resolve("error.log"));
            Process process = new ProcessBuilder(NGINX.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
            if (awaitListening(process, port)) {
                return new NginxInFront(process, port);
            }
            String log = Files.readString(dir.resolve("nginx.out")) + readIfExists(dir.resolve("error.log"));
            process.destroyForcibly();
            if (!log.contains("Address already in use") || attempt == 5) {
                throw new IllegalStateException("nginx did not start:\n" + log);
            }
        }
    }

    /** The shipped site with its listen address and upstream replaced; a site that no longer has them fails here. */
    private static String site(int port, int upstreamPort) throws IOException {
        String shipped = Files.readString(SITE);
        for (String expected : new String[] {SHIPPED_LISTEN, SHIPPED_UPSTREAM}) {
            if (shipped.indexOf(expected) < 0 || shipped.indexOf(expected) != shipped.lastIndexOf(expected)) {
                throw new IllegalStateException(SITE + " must contain '" + expected + "' exactly once (the test replaces it)");
            }
        }
        return shipped.replace(SHIPPED_LISTEN, "listen 127.0.0.1:" + port + ";")
                .replace(SHIPPED_UPSTREAM, "server 127.0.0.1:" + upstreamPort + ";");
    }

    /** A minimal nginx.conf keeping everything (pid, logs, temporary files) inside the test's own folder. */
    private static String mainConfig(Path dir) {
        return """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 512; }
                http {
                    access_log off;
                    default_type application/octet-stream;
                    client_body_temp_path %1$s/client_body;
                    proxy_temp_path %1$s/proxy;
                    include %1$s/429chain-site.conf;
                }
                """.formatted(dir);
    }

    private static boolean awaitListening(Process process, int port) {
        try {
            await().atMost(READY_WITHIN).pollInterval(Duration.ofMillis(50)).until(() -> !process.isAlive() || listening(port));
        } catch (ConditionTimeoutException e) {
            return false;
        }
        return process.isAlive();
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
