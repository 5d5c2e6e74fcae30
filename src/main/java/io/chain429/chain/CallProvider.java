package io.chain429.chain;

import io.chain429.provider.Provider;
import io.chain429.provider.ProviderRegistry;
import io.chain429.provider.UpstreamRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Sends the current step's request through its provider's adapter; the provider's answer becomes the message body. */
public final class CallProvider implements Processor {

    private final ProviderRegistry providers;

    public CallProvider(ProviderRegistry providers) {
        this.providers = providers;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Step step = waterfall.currentStep();
        Provider provider = providers.get(step.providerId());
        UpstreamRequest request = provider.adapter().prepare(provider.config(), step.model(), waterfall.request().body());
        long started = System.nanoTime();
        try {
            exchange.getMessage().setBody(provider.adapter().send(provider.client(), request));
        } finally {
            waterfall.addUpstreamNanos(System.nanoTime() - started);
        }
    }
}
