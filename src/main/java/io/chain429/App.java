package io.chain429;

import io.chain429.config.ConfigException;
import io.chain429.config.RuntimeSettings;
import sun.misc.Signal;

/** Runs 429chain until it is stopped (Ctrl+C or SIGTERM). */
public final class App {

    private App() {
    }

    public static void main(String[] args) throws Exception {
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
}
