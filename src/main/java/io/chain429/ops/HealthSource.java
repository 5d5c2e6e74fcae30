package io.chain429.ops;

/**
 * What the management server's {@code GET /health} asks the running proxy. Implemented by the gateway; called on a
 * management-server thread for every health request, so each method must be cheap and thread-safe.
 */
public interface HealthSource {

    /** Streams (SSE responses) open right now. */
    int openStreams();

    /** How many configured providers are usable, cooling down, or disabled right now. */
    ProviderCounts providers();

    /** Whether the proxy accepts new requests; {@code false} makes {@code /health} answer 503 with status DOWN. */
    boolean accepting();

    /** Where provider state lives and whether it answers; Redis being away does not make the replica DOWN. */
    default io.chain429.ratelimit.StateBackendHealth stateBackend() {
        return io.chain429.ratelimit.StateBackendHealth.EMBEDDED;
    }

    /**
     * Whether what 429chain writes to its data folder gets there: the provider state file (none with Redis) and the
     * request log. A problem here does not make the replica DOWN: it serves on, and says so.
     */
    default Persistence persistence() {
        return Persistence.UNKNOWN;
    }

    /**
     * @param stateFile          the provider state file; null when the state lives in Redis
     * @param stateProblem       why it cannot be saved now; null while it can
     * @param droppedLogLines    request-log lines lost since start (a disk that did not take or keep up with them)
     */
    record Persistence(String stateFile, String stateProblem, long droppedLogLines) {
        public static final Persistence UNKNOWN = new Persistence(null, null, 0);
    }

    /**
     * @param enabled     providers a request may go to now
     * @param cooling     providers whose every key is cooling down
     * @param disabled    providers disabled by configuration or by a rejected key
     * @param circuitOpen providers not cooling down nor disabled with at least one step whose circuit is open (also
     *                    counted in {@code enabled}: their other steps serve)
     */
    record ProviderCounts(int enabled, int cooling, int disabled, int circuitOpen) {
    }
}
