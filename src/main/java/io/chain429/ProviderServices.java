package io.chain429;

import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderConfig;
import io.chain429.config.RuntimeSettings;
import io.chain429.config.Secret;
import io.chain429.config.StateBackend;
import io.chain429.provider.KeyCheck;
import io.chain429.provider.KeyProbe;
import io.chain429.provider.ProviderClients;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.EmbeddedProviderState;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.RedisLink;
import io.chain429.ratelimit.RedisProviderState;
import io.chain429.ratelimit.StateBackendHealth;
import io.chain429.ratelimit.StateFile;
import io.chain429.ratelimit.StepBreakers;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up's second step: the providers and what is known of them, shared by every route and request.
 *
 * @param state     this replica's state, or its view of the state Redis shares
 * @param stateFile where the embedded state is kept across restarts (unused with Redis)
 * @param redis     the link to Redis, when {@code settings.state} is {@code redis}
 * @param breakers  the steps' circuits
 * @param keyProbe  re-enables a provider whose key was rejected, once it works
 * @param keyCheck  checks every key once Camel has started, then every {@code keyCheckEvery}
 */
record ProviderServices(ProviderRegistry providers, ProviderState state, StateFile stateFile, Optional<RedisLink> redis,
                        StateBackendHealth backendHealth, StepBreakers breakers, KeyProbe keyProbe, KeyCheck keyCheck) {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderServices.class);

    static ProviderServices create(RuntimeSettings settings, StartUpFiles files, Vertx vertx, MeterRegistry metrics) {
        GatewayConfig config = files.config();
        ProviderRegistry providers = new ProviderRegistry(config, files.adapters(),
                new ProviderClients(vertx, settings.maxConcurrentRequests()));
        EmbeddedProviderState embedded = new EmbeddedProviderState(Clock.systemUTC());
        StateFile stateFile = new StateFile(settings.dataDir(), embedded::snapshot);
        // settings.state: redis — the embedded state becomes this replica's view of the state Redis shares, and Redis
        // (not the state file) keeps it across restarts
        StateBackend backend = config.settings().stateBackend();
        Optional<RedisLink> redis = backend.kind() == StateBackend.Kind.REDIS ? Optional.of(new RedisLink(backend)) : Optional.empty();
        ProviderState state = redis.<ProviderState>map(link -> new RedisProviderState(embedded, link, backend.permitLease())).orElse(embedded);
        if (redis.isEmpty()) {
            stateFile.load().ifPresent(saved -> embedded.restore(saved,
                    id -> config.provider(id).flatMap(ProviderConfig::apiKey).map(Secret::masked).orElse("")));
            embedded.onChange(stateFile::changed);
        }
        StateBackendHealth backendHealth = redis.<StateBackendHealth>map(link -> link).orElse(StateBackendHealth.EMBEDDED);
        LOG.info("provider state: {}", redis.map(link -> "shared through Redis at " + link.address()).orElse("embedded, kept in " + settings.dataDir()));
        StepBreakers breakers = new StepBreakers(config.settings().circuit(), config.settings().circuitOpenFor(), Clock.systemUTC(), metrics);
        Duration probeAfter = config.settings().keyProbeAfter();
        KeyProbe keyProbe = new KeyProbe(state, providers, probeAfter, Collections.max(List.of(probeAfter, KeyProbe.DEFAULT_MAX_DELAY)));
        // keys restored as disabled from disk are probed again; an operator's decision is kept as it is
        state.snapshot().disabled().stream()
                .filter(disabled -> !disabled.reason().equals(ProviderState.OPERATOR_REASON))
                .forEach(disabled -> keyProbe.disabled(disabled.providerId()));
        // a rejected key is found before a request meets it: every key is checked once Camel has started, then every
        // keyCheckEvery
        KeyCheck keyCheck = new KeyCheck(state, providers, keyProbe, config.settings().keyCheckEvery());
        return new ProviderServices(providers, state, stateFile, redis, backendHealth, breakers, keyProbe, keyCheck);
    }
}
