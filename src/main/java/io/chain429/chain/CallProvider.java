package io.chain429.chain;

import io.chain429.api.ClientLink;
import io.chain429.provider.CallGuard;
import io.chain429.provider.Provider;
import io.chain429.provider.UpstreamRequest;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Sends the current step's request through its provider's adapter. The provider's answer becomes the message body:
 * the whole {@link io.chain429.provider.UpstreamResponse}, or for a streaming request the
 * {@link io.chain429.provider.UpstreamStream} whose headers have arrived.
 */
public final class CallProvider implements Processor {

    @Override
    public void process(Exchange exchange) throws Exception {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Step step = waterfall.currentStep();
        Provider provider = waterfall.provider(step);
        UpstreamRequest request = provider.adapter().prepare(provider.config(), step.model(), waterfall.request().body());
        CallGuard guard = Optional.ofNullable(exchange.getProperty(ClientLink.PROPERTY, CallGuard.class)).orElse(CallGuard.NONE);
        long started = System.nanoTime();
        try {
            exchange.getMessage().setBody(waterfall.request().stream()
                    ? provider.adapter().open(provider.client(), request, guard)
                    : provider.adapter().send(provider.client(), request, guard));
        } finally {
            waterfall.addUpstreamNanos(System.nanoTime() - started);
        }
    }
}
