package io.chain429.chain;

import io.chain429.api.ClientLink;
import org.apache.camel.Exchange;

/**
 * The expression of the waterfall's dynamic router: the next endpoint to visit, or null to stop. Each visit to
 * {@code direct:attempt} tries the waterfall's current step; the router stops at the first outcome that ends the
 * waterfall or when no step is left.
 */
public final class WaterfallRouter {

    static final String ATTEMPT = "direct:attempt";

    public String next(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        ClientLink client = exchange.getProperty(ClientLink.PROPERTY, ClientLink.class);
        if (client != null && client.gone()) {
            return null; // nobody is waiting for an answer any more
        }
        return waterfall.advance() ? ATTEMPT : null;
    }
}
