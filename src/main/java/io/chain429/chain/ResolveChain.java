package io.chain429.chain;

import io.chain429.core.ApiException;
import io.chain429.core.ChatRequest;
import io.chain429.core.OpenAiError;
import io.chain429.core.Step;
import io.chain429.provider.ProviderRegistry;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Decides which chain serves the request from its {@code model}: a chain name; else a single
 * {@code provider/model} step of a configured provider; else the default chain; else 404 {@code model_not_found}.
 * For a chain, sets {@link #TARGET} to the chain's route, which names its steps; for a single step, sets
 * {@link StartWaterfall#STEPS} itself. The API route runs the waterfall next.
 */
public final class ResolveChain implements Processor {

    public static final String TARGET = "chain429Target";

    private final ChainRegistry chains;
    private final ProviderRegistry providers;
    private final AdHocSteps adHoc;

    public ResolveChain(ChainRegistry chains, ProviderRegistry providers, AdHocSteps adHoc) {
        this.chains = chains;
        this.providers = providers;
        this.adHoc = adHoc;
    }

    @Override
    public void process(Exchange exchange) {
        ChatRequest request = exchange.getProperty(ChatRequest.PROPERTY, ChatRequest.class);
        String model = request.model();
        Optional<ChainDefinition> chain = chains.find(model);
        if (chain.isPresent()) {
            exchange.setProperty(TARGET, "direct:" + chain.get().routeId());
            return;
        }
        Step step = model == null ? null : Step.parseOrNull(model);
        if (step != null && providers.find(step.providerId()).isPresent()) {
            adHoc.used(step);
            exchange.setProperty(StartWaterfall.CHAIN, model);
            exchange.setProperty(StartWaterfall.STEPS, model);
            return;
        }
        Optional<ChainDefinition> fallback = chains.defaultChain();
        if (fallback.isPresent()) {
            exchange.setProperty(TARGET, "direct:" + fallback.get().routeId());
            return;
        }
        String known = chains.all().stream().map(ChainDefinition::name).collect(Collectors.joining(", "));
        throw new ApiException(404, new OpenAiError(
                "The model '" + model + "' names no chain and no provider/model step, and no defaultChain is set. "
                        + "Known chains: " + (known.isEmpty() ? "none" : known) + ".",
                "invalid_request_error", "model", "model_not_found"));
    }
}
