package io.chain429;

import io.chain429.config.ConfigException;
import io.chain429.config.RuntimeSettings;
import sun.misc.Signal;

/** Runs 429chain until it is stopped (Ctrl+C or SIGTERM). */
public final class App {

    private App() {
    }

    public static void main(String[] args) throws Exception {
        keepCompletableFuturesOffNewThreads();
        try {
            Gateway gateway = Gateway.create(RuntimeSettings.fromEnvironment());
            // SIGTERM (docker stop, systemd, kill) drains gracefully; Ctrl+C keeps Camel's own quick shutdown
            Signal.handle(new Signal("TERM"), signal -> gateway.shutdownGracefully());
            gateway.main().run(args);
            System.exit(0);
        } catch (ConfigException e) {
            // A configuration mistake is the user's to fix: say exactly where, without a stack trace.
            System.err.println("429chain cannot start: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * On a machine with 2 cores the JDK sizes its common pool to 1 thread, and then every {@code *Async} completion
     * without an executor starts a new thread. When 429chain called providers with the JDK HTTP client, that was a
     * thread start (and its JIT and cache churn) per request; provider calls now go through Vert.x, and this keeps any
     * library that completes futures that way from bringing it back. Must run before the common pool is first used.
     */
    private static void keepCompletableFuturesOffNewThreads() {
        String parallelism = "java.util.concurrent.ForkJoinPool.common.parallelism";
        if (System.getProperty(parallelism) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(parallelism, "2");
        }
    }
}
