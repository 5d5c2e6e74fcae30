package io.chain429;

import io.chain429.config.ConfigException;
import io.chain429.config.RuntimeSettings;

/** Runs 429chain until it is stopped (Ctrl+C or SIGTERM). */
public final class App {

    private App() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Gateway.create(RuntimeSettings.fromEnvironment()).run(args);
        } catch (ConfigException e) {
            // A configuration mistake is the user's to fix: say exactly where, without a stack trace.
            System.err.println("429chain cannot start: " + e.getMessage());
            System.exit(2);
        }
    }
}
