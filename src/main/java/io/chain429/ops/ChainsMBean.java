package io.chain429.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.chain.ChainDefinition;
import io.chain429.chain.ChainRegistry;
import io.chain429.core.Json;
import io.chain429.core.Step;
import io.chain429.ratelimit.StepBreakers;
import java.util.HashMap;
import java.util.Map;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * Registers {@code io.chain429:type=Chains} ({@link ChainsMXBean}) on the platform MBean server while started: the
 * live chains from the {@link ChainRegistry} (so a live edit shows at once) and their steps' circuits from
 * {@link StepBreakers}. Read-only.
 */
public final class ChainsMBean implements ChainsMXBean, AutoCloseable {

    public static final ObjectName NAME = MBeanRegistrar.name("type=Chains");

    private final ChainRegistry chains;
    private final StepBreakers breakers;
    private final MBeanRegistrar registrar = MBeanRegistrar.platform();

    public ChainsMBean(ChainRegistry chains, StepBreakers breakers) {
        this.chains = chains;
        this.breakers = breakers;
    }

    public synchronized void start() {
        registrar.register(NAME, new StandardMBean(this, ChainsMXBean.class, true));
    }

    @Override
    public synchronized void close() {
        registrar.unregisterAll();
    }

    @Override
    public String[] getChains() {
        // StepBreakers.of lists only the circuits of steps already tried: reading them creates none
        Map<String, Map<String, StepBreakers.View>> circuits = new HashMap<>();
        String defaultName = getDefaultChain();
        return chains.all().stream().map(chain -> {
            ObjectNode line = Json.object().put("name", chain.name()).put("default", chain.name().equals(defaultName));
            var steps = line.putArray("steps");
            for (Step step : chain.steps()) {
                StepBreakers.View view = circuits.computeIfAbsent(step.providerId(), this::circuitsOf).get(step.toString());
                ObjectNode item = steps.addObject().put("step", step.toString());
                if (view == null) {
                    item.put("state", "closed");
                    continue;
                }
                item.put("state", view.state()).put("since", String.valueOf(view.since()))
                        .put("until", view.until() == null ? null : view.until().toString())
                        .put("failedAttempts", view.failedAttempts()).put("attempts", view.attempts());
                ObjectNode openedBy = item.putObject("openedBy");
                view.openedBy().forEach(openedBy::put);
            }
            return line.toString();
        }).toArray(String[]::new);
    }

    @Override
    public String getDefaultChain() {
        return chains.defaultChain().map(ChainDefinition::name).orElse(null);
    }

    private Map<String, StepBreakers.View> circuitsOf(String providerId) {
        Map<String, StepBreakers.View> byStep = new HashMap<>();
        breakers.of(providerId).forEach(view -> byStep.put(view.step(), view));
        return byStep;
    }
}
