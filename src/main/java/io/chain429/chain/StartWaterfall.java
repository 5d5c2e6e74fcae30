package io.chain429.chain;

import io.chain429.core.ChatRequest;
import io.chain429.core.Step;
import io.chain429.provider.ProviderRegistry;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Begins a request's waterfall from the steps its chain route declared ({@link #STEPS}, the template's
 * {@code steps} parameter) and the chain's policy. A chain's parsed step list is cached, so the hot path parses
 * nothing; a single step a client names is parsed each time (clients choose those names: a cache would grow with them).
 */
public final class StartWaterfall implements Processor {

    public static final String CHAIN = "chain429Chain";
    public static final String STEPS = "chain429Steps";

    private final Map<String, List<Step>> parsed = new ConcurrentHashMap<>();
    private final ChainRegistry chains;
    private final ProviderRegistry providers;

    public StartWaterfall(ChainRegistry chains, ProviderRegistry providers) {
        this.chains = chains;
        this.providers = providers;
    }

    @Override
    public void process(Exchange exchange) {
        String steps = exchange.getProperty(STEPS, String.class);
        ChatRequest request = exchange.getProperty(ChatRequest.PROPERTY, ChatRequest.class);
        String chain = exchange.getProperty(CHAIN, String.class);
        // a single provider/model step is no chain: it gets the chain template's defaults
        Optional<ChainDefinition> definition = chains.find(chain);
        ChainPolicy policy = definition.map(ChainDefinition::policy).orElseGet(chains::defaults);
        List<Step> parsedSteps = definition.isPresent() ? parsed.computeIfAbsent(steps, StartWaterfall::parse) : parse(steps);
        exchange.setProperty(Waterfall.PROPERTY, new Waterfall(chain, parsedSteps, policy, request, providers.snapshot()));
    }

    /** Steps were validated at start-up (see ChainFiles), so every entry here is well formed. */
    private static List<Step> parse(String steps) {
        return Arrays.stream(steps.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(Step::parseOrNull)
                .toList();
    }
}
