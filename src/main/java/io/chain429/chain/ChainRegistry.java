package io.chain429.chain;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The chains declared in the routes folder, by name. Replaced as a whole, so readers always see one consistent set. */
public final class ChainRegistry {

    private volatile Map<String, ChainDefinition> chains;

    public ChainRegistry(List<ChainDefinition> chains) {
        replace(chains);
    }

    public void replace(List<ChainDefinition> definitions) {
        Map<String, ChainDefinition> byName = new LinkedHashMap<>();
        definitions.forEach(chain -> byName.put(chain.name(), chain));
        this.chains = Collections.unmodifiableMap(byName);
    }

    public Optional<ChainDefinition> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(chains.get(name));
    }

    public Collection<ChainDefinition> all() {
        return chains.values();
    }
}
