package io.chain429.chain;

import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One line per chain for the log: its name, its steps in order and where it is declared, so that start-up and a live
 * reload show what a request for that chain will try, not only how many chains there are.
 */
public final class ChainSummary {

    private ChainSummary() {
    }

    /**
     * {@code chain default (the default chain): groq/llama-3.1-8b-instant (provider disabled), demo/echo —
     * routes/chains.camel.yaml:3}. A step of a disabled provider is marked: it is skipped, which explains why another
     * step answers.
     */
    public static String of(ChainDefinition chain, Optional<String> defaultChain, Predicate<String> providerEnabled) {
        String steps = chain.steps().stream()
                .map(step -> step + (providerEnabled.test(step.providerId()) ? "" : " (provider disabled)"))
                .collect(Collectors.joining(", "));
        String role = defaultChain.filter(chain.name()::equals).isPresent() ? " (the default chain)" : "";
        return "chain " + chain.name() + role + ": " + steps + " — " + chain.file() + ":" + chain.line();
    }
}
