package io.chain429.chain;

import io.chain429.core.ClientLink;
import io.chain429.core.Outcome;
import io.chain429.core.Step;
import io.chain429.provider.Provider;
import io.chain429.provider.UpstreamResponse;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Lets the step's adapter classify the provider's answer, and records the outcome on the waterfall. A stream was read
 * up to its commit point, so that a stream failing early is classified like any other failure.
 */
public final class ClassifyOutcome implements Processor {

    private final ProviderState state;

    public ClassifyOutcome(ProviderState state) {
        this.state = state;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Step step = waterfall.currentStep();
        Provider provider = waterfall.provider(step);
        Object answer = exchange.getMessage().getBody();
        java.net.http.HttpHeaders headers = answer instanceof CommitGate gate ? gate.upstreamHeaders() : ((UpstreamResponse) answer).headers();
        state.observe(QuotaKey.of(provider.config(), step.model()), provider.adapter().observeLimits(headers, state.now()));
        Outcome outcome = answer instanceof CommitGate gate
                ? gate.outcome() // CallProvider waited for the gate to decide
                : provider.adapter().classify((UpstreamResponse) answer, step.model(), state.now());
        ClientLink client = exchange.getProperty(ClientLink.PROPERTY, ClientLink.class);
        if (outcome instanceof Outcome.Failed && client != null && client.gone()) {
            outcome = new Outcome.ClientGone(); // a stream cut short because its client left is no failure of the step
        }
        waterfall.record(outcome, true);
    }
}
