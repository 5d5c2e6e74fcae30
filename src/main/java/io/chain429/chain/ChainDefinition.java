package io.chain429.chain;

import io.chain429.core.Step;
import java.util.List;
import java.util.Map;

/**
 * A chain as written in a routes file: its name, its ordered steps, its policy, and where it was declared.
 *
 * @param parameters the template parameters as written, by name: what its route is made from, and what tells whether
 *                   a live reload changed it
 */
public record ChainDefinition(String name, List<Step> steps, ChainPolicy policy, String file, int line,
                              Map<String, String> parameters) {

    public ChainDefinition {
        steps = List.copyOf(steps);
        parameters = Map.copyOf(parameters);
    }

    public String routeId() {
        return "chain-" + name;
    }
}
