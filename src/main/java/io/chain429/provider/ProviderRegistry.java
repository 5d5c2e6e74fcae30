package io.chain429.provider;

import io.chain429.config.GatewayConfig;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The configured providers by id, each with its adapter and its own connection pool. */
public final class ProviderRegistry {

    private final Map<String, Provider> providers = new LinkedHashMap<>();

    public ProviderRegistry(GatewayConfig config, AdapterRegistry adapters) {
        config.providers().forEach(p ->
                providers.put(p.id(), new Provider(p, adapters.adapter(p.type()), new ProviderClient(p.timeouts()))));
    }

    public Optional<Provider> find(String id) {
        return Optional.ofNullable(providers.get(id));
    }

    public Provider get(String id) {
        return find(id).orElseThrow(() -> new IllegalStateException("unknown provider " + id));
    }

    public Collection<Provider> all() {
        return providers.values();
    }
}
