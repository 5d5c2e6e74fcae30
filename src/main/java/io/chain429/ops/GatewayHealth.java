package io.chain429.ops;

import io.chain429.api.OpenStreams;
import io.chain429.api.ShutdownGate;
import io.chain429.provider.Provider;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.StateBackendHealth;
import io.chain429.ratelimit.StateSnapshot;
import io.chain429.ratelimit.StepBreakers;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** The gateway's side of {@code /health}: whether it accepts requests, its open streams, its providers' states. */
public final class GatewayHealth implements HealthSource {

    private final ShutdownGate gate;
    private final OpenStreams openStreams;
    private final ProviderRegistry providers;
    private final ProviderState state;
    private final StateBackendHealth backend;
    private final StepBreakers breakers;
    private final Supplier<Persistence> persistence;

    /** @param persistence the data folder's state: the state file's problem, if any, and the request log's lost lines */
    public GatewayHealth(ShutdownGate gate, OpenStreams openStreams, ProviderRegistry providers, ProviderState state,
                         StateBackendHealth backend, StepBreakers breakers, Supplier<Persistence> persistence) {
        this.gate = gate;
        this.openStreams = openStreams;
        this.providers = providers;
        this.state = state;
        this.backend = backend;
        this.breakers = breakers;
        this.persistence = persistence;
    }

    @Override
    public Persistence persistence() {
        return persistence.get();
    }

    @Override
    public StateBackendHealth stateBackend() {
        return backend;
    }

    @Override
    public int openStreams() {
        return openStreams.count();
    }

    @Override
    public ProviderCounts providers() {
        StateSnapshot snapshot = state.snapshot();
        Set<String> cooling = snapshot.keys().stream().filter(k -> k.cooldown().isPresent())
                .map(k -> k.key().providerId()).collect(Collectors.toSet());
        int enabled = 0;
        int coolingDown = 0;
        int disabled = 0;
        int circuitOpen = 0;
        for (Provider provider : providers.all()) {
            if (!provider.config().enabled() || state.disabledReason(provider.id()).isPresent()) {
                disabled++;
            } else if (cooling.contains(provider.id())) {
                coolingDown++;
            } else {
                enabled++;
                circuitOpen += breakers.openOf(provider.id()).isEmpty() ? 0 : 1;
            }
        }
        return new ProviderCounts(enabled, coolingDown, disabled, circuitOpen);
    }

    @Override
    public boolean accepting() {
        return gate.accepting();
    }
}
