package io.chain429.chain;

import io.chain429.provider.ProviderRegistry;
import io.chain429.provider.UpstreamResponse;
import io.chain429.ratelimit.ProviderStateStore;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Lets the step's adapter classify the provider's answer, and records the outcome on the waterfall. */
public final class ClassifyOutcome implements Processor {

    private final ProviderRegistry providers;
    private final ProviderStateStore state;

    public ClassifyOutcome(ProviderRegistry providers, ProviderStateStore state) {
        this.providers = providers;
        this.state = state;
    }

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Step step = waterfall.currentStep();
        UpstreamResponse response = exchange.getMessage().getBody(UpstreamResponse.class);
        waterfall.record(providers.get(step.providerId()).adapter().classify(response, step.model(), state.now()), true);
    }
}
