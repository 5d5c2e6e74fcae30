package io.chain429.chain;

import io.chain429.core.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The {@code provider/model} steps clients name directly, outside any chain. Clients choose those names, so what
 * 429chain keeps for them (a circuit, quota counts, an MBean, a state-file entry) must not grow with every new name: each
 * provider keeps at most {@code perProvider} of them, and naming one more forgets the least recently used. Steps named
 * in chains are never counted here: they are always kept.
 */
public final class AdHocSteps {

    private final int perProvider;
    private final ChainRegistry chains;
    private final Map<String, LinkedHashMap<Step, Boolean>> byProvider = new ConcurrentHashMap<>();
    private final List<Consumer<Step>> forgetters = new ArrayList<>();

    public AdHocSteps(int perProvider, ChainRegistry chains) {
        this.perProvider = perProvider;
        this.chains = chains;
    }

    /** Called with each step forgotten, to drop what was kept for it. Set up at start-up, before any request. */
    public void onForget(Consumer<Step> forget) {
        forgetters.add(forget);
    }

    /** A request names this step directly: it becomes the provider's most recently used. */
    public void used(Step step) {
        if (chains.names(step)) {
            return;
        }
        Step evicted = null;
        LinkedHashMap<Step, Boolean> recent = byProvider.computeIfAbsent(step.providerId(), id -> new LinkedHashMap<>(16, 0.75f, true));
        synchronized (recent) {
            recent.put(step, Boolean.TRUE);
            if (recent.size() > perProvider) {
                var eldest = recent.keySet().iterator();
                evicted = eldest.next();
                eldest.remove();
            }
        }
        if (evicted != null) {
            Step forgotten = evicted;
            forgetters.forEach(forget -> forget.accept(forgotten));
        }
    }

    /**
     * The name under which totals and metrics count a request: its chain, or {@code groq/*} for every step of groq a
     * client named directly (chain names hold no '/'), so that clients' names cannot add series or rows.
     */
    public static String chainLabel(String chainName) {
        int slash = chainName == null ? -1 : chainName.indexOf('/');
        return slash < 0 ? chainName : chainName.substring(0, slash) + "/*";
    }

    /** How many ad-hoc steps of this provider are kept now. */
    public int tracked(String providerId) {
        LinkedHashMap<Step, Boolean> recent = byProvider.get(providerId);
        if (recent == null) {
            return 0;
        }
        synchronized (recent) {
            return recent.size();
        }
    }
}
