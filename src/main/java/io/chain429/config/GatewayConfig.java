package io.chain429.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The content of {@code 429chain.yaml}: settings, providers and clients, validated. */
public record GatewayConfig(Settings settings, List<ProviderConfig> providers, List<ClientConfig> clients, String file) {

    public Optional<ProviderConfig> provider(String id) {
        return providers.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /**
     * @param defaultChain           chain used when {@code model} names none; empty for none
     * @param cooldownDefault        cooldown after a 429 that carries no reset hint
     * @param cooldownPaymentRequired cooldown after a 402 (an empty balance does not refill in a minute)
     * @param circuitOpenFor          how long a step whose circuit opened after repeated failures rests before one
     *                                trial request
     * @param keyProbeAfter           how long after a rejected key the background probe first tries it again
     *                                (then backing off, doubling up to an hour)
     * @param clientLimits            every client's limits, unless its own entry says otherwise
     * @param corsOrigins             browser origins allowed to call the API (none by default)
     * @param stateBackend            where provider state lives: this process, or Redis shared by several replicas
     * @param keyCheckEvery           how often every provider's key is checked with its {@code GET /models} (also once
     *                                at start-up); zero turns the checks off
     * @param circuit                 when a step's circuit opens
     * @param adHocModelsPerProvider  how many {@code provider/model} steps named directly by clients (outside any chain)
     *                                are kept per provider; one more forgets the least recently used
     */
    public record Settings(Optional<String> defaultChain, Duration cooldownDefault, Duration cooldownPaymentRequired,
                           Duration circuitOpenFor, Duration keyProbeAfter, ClientConfig.ClientLimits clientLimits,
                           List<String> corsOrigins, StateBackend stateBackend, Duration keyCheckEvery, Circuit circuit,
                           int adHocModelsPerProvider) {
        public static final Settings DEFAULT = new Settings(Optional.empty(), Duration.ofSeconds(60), Duration.ofMinutes(5),
                Duration.ofSeconds(30), Duration.ofMinutes(1), ClientConfig.ClientLimits.NONE, List.of(), StateBackend.EMBEDDED,
                Duration.ofHours(6), Circuit.DEFAULT, 50);
    }

    /**
     * A step's circuit opens when, within the last {@code window}, at least {@code minFailures} of its attempts failed
     * and they were at least {@code failureRatePercent} of its attempts.
     */
    public record Circuit(int minFailures, int failureRatePercent, Duration window) {
        public static final Circuit DEFAULT = new Circuit(5, 50, Duration.ofSeconds(10));
    }
}
