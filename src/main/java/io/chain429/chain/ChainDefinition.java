package io.chain429.chain;

import java.util.List;

/** A chain as written in a routes file: its name, its ordered steps, its policy, and where it was declared. */
public record ChainDefinition(String name, List<Step> steps, ChainPolicy policy, String file, int line) {

    public ChainDefinition {
        steps = List.copyOf(steps);
    }

    public String routeId() {
        return "chain-" + name;
    }
}
