package io.chain429.provider;

import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured providers by id, each with its adapter and its own connection pool. Replaced as a whole on a live
 * reload of {@code 429chain.yaml} (see {@link #replace}), so readers always see one consistent set; a request keeps
 * the set it started with ({@link #snapshot()}).
 */
public final class ProviderRegistry {

    private final AdapterRegistry adapters;
    private final ProviderClients clients;
    private volatile Map<String, Provider> providers = Map.of();

    public ProviderRegistry(GatewayConfig config, AdapterRegistry adapters, ProviderClients clients) {
        this.adapters = adapters;
        this.clients = clients;
        replace(config);
    }

    /**
     * Switches to the providers of {@code config}. A provider whose entry is unchanged (apart from its line) keeps its
     * {@link Provider}, hence its HTTP client and open connections. A removed or replaced provider's client is
     * retired: requests still using it finish on it, and its connections are closed once they are done.
     */
    public synchronized Changes replace(GatewayConfig config) {
        Map<String, Provider> before = providers;
        Map<String, Provider> after = new LinkedHashMap<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (ProviderConfig entry : config.providers()) {
            Provider kept = before.get(entry.id());
            if (kept != null && sameSettings(kept.config(), entry)) {
                after.put(entry.id(), kept);
            } else {
                after.put(entry.id(), new Provider(entry, adapters.adapter(entry.type()), clients.client(entry.timeouts())));
                (kept == null ? added : changed).add(entry.id());
            }
        }
        List<String> removed = before.keySet().stream().filter(id -> !after.containsKey(id)).toList();
        providers = Collections.unmodifiableMap(after);
        before.values().stream().filter(old -> after.get(old.config().id()) != old).forEach(old -> old.client().retire());
        return new Changes(added, changed, removed);
    }

    /** The provider ids a {@link #replace} added, changed and removed. */
    public record Changes(List<String> added, List<String> changed, List<String> removed) {
        public Changes {
            added = List.copyOf(added);
            changed = List.copyOf(changed);
            removed = List.copyOf(removed);
        }

        public boolean isEmpty() {
            return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
        }
    }

    private static boolean sameSettings(ProviderConfig a, ProviderConfig b) {
        return a.equals(new ProviderConfig(b.id(), b.type(), b.baseUrl(), b.apiKey(), b.quotaScope(), b.limits(), b.timeouts(),
                b.disabledReason(), a.line()));
    }

    /** The providers now, unchanging: what one request works with from start to end. */
    public Map<String, Provider> snapshot() {
        return providers;
    }

    public Optional<Provider> find(String id) {
        return Optional.ofNullable(providers.get(id));
    }

    public Collection<Provider> all() {
        return providers.values();
    }
}
