package io.chain429.chain;

import io.chain429.api.ClientLink;
import io.chain429.provider.CallGuard;
import io.chain429.provider.Provider;
import io.chain429.provider.UpstreamRequest;
import io.chain429.ratelimit.ProviderState;
import io.chain429.sse.CommitGate;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Sends the current step's request through its provider's adapter. The provider's answer becomes the message body:
 * the whole {@link io.chain429.provider.UpstreamResponse}, or for a streaming request the {@link CommitGate} that
 * reads the stream from its headers on.
 */
public final class CallProvider implements Processor {

    private final ProviderState state;

    public CallProvider(ProviderState state) {
        this.state = state;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Step step = waterfall.currentStep();
        Provider provider = waterfall.provider(step);
        UpstreamRequest request = provider.adapter().prepare(provider.config(), step.model(), waterfall.request().body());
        ClientLink client = exchange.getProperty(ClientLink.PROPERTY, ClientLink.class);
        CallGuard guard = client == null ? CallGuard.NONE : client;
        long started = System.nanoTime();
        try {
            if (waterfall.request().stream()) {
                CommitGate gate = new CommitGate(waterfall, provider, step, client, started, state.now());
                provider.adapter().open(provider.client(), request, guard, gate::headers);
                exchange.getMessage().setBody(gate);
            } else {
                exchange.getMessage().setBody(provider.adapter().send(provider.client(), request, guard));
            }
        } finally {
            waterfall.addUpstreamNanos(System.nanoTime() - started);
        }
    }
}
