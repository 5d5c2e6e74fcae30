package io.chain429.chain;

import io.chain429.core.Step;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The chains declared in the routes folder, by name, and which of them is the default. Replaced as a whole (at a live
 * reload), so readers always see one consistent set.
 */
public final class ChainRegistry {

    private record Chains(Map<String, ChainDefinition> byName, Optional<String> defaultChain, Set<Step> steps,
                          ChainPolicy defaults) {
    }

    private volatile Chains chains;

    /** @param defaultChain {@code settings.defaultChain}: the chain for a {@code model} that names none */
    public ChainRegistry(DeclaredChains chains, Optional<String> defaultChain) {
        replace(chains, defaultChain);
    }

    public void replace(DeclaredChains declared, Optional<String> defaultChain) {
        Map<String, ChainDefinition> byName = new LinkedHashMap<>();
        declared.all().forEach(chain -> byName.put(chain.name(), chain));
        Set<Step> steps = new HashSet<>();
        declared.all().forEach(chain -> steps.addAll(chain.steps()));
        this.chains = new Chains(Collections.unmodifiableMap(byName), defaultChain, Set.copyOf(steps), declared.defaults());
    }

    public Optional<ChainDefinition> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(chains.byName().get(name));
    }

    /** The default chain; empty when none is set. */
    public Optional<ChainDefinition> defaultChain() {
        Chains now = chains;
        return now.defaultChain().map(now.byName()::get);
    }

    /** The policy of a provider/model step outside any chain: the chain template's defaults. */
    public ChainPolicy defaults() {
        return chains.defaults();
    }

    /** Whether some chain lists this step. */
    public boolean names(Step step) {
        return chains.steps().contains(step);
    }

    public Collection<ChainDefinition> all() {
        return chains.byName().values();
    }
}
