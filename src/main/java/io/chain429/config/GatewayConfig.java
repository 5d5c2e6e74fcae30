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
     */
    public record Settings(Optional<String> defaultChain, Duration cooldownDefault, Duration cooldownPaymentRequired,
                           Duration circuitOpenFor, Duration keyProbeAfter, ClientConfig.ClientLimits clientLimits,
                           List<String> corsOrigins, StateBackend stateBackend) {
        public static final Settings DEFAULT = new Settings(Optional.empty(), Duration.ofSeconds(60), Duration.ofMinutes(5),
                Duration.ofSeconds(30), Duration.ofMinutes(1), ClientConfig.ClientLimits.NONE, List.of(), StateBackend.EMBEDDED);
    }
}
