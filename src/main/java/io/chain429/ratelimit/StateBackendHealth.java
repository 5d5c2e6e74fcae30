package io.chain429.ratelimit;

/** Which store provider state lives in and whether it answers, for {@code /health}, metrics and the console. */
public interface StateBackendHealth {

    /** {@code embedded} or {@code redis}. */
    String type();

    /** Where it is, without credentials. */
    String address();

    boolean up();

    /** Decisions taken on this replica's own state because the shared store did not answer. */
    long fallbacks();

    /** The latest error talking to the store; empty when there was none. */
    String lastError();

    /** Provider state in this process: always there. */
    StateBackendHealth EMBEDDED = new StateBackendHealth() {
        @Override
        public String type() {
            return "embedded";
        }

        @Override
        public String address() {
            return "this process";
        }

        @Override
        public boolean up() {
            return true;
        }

        @Override
        public long fallbacks() {
            return 0;
        }

        @Override
        public String lastError() {
            return "";
        }
    };
}
