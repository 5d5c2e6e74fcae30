package io.chain429.api;

import io.chain429.core.ClientLink;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/** Starts watching the client's connection, so that a client that leaves cancels the work done for it. */
public final class WatchClient implements Processor {

    @Override
    public void process(Exchange exchange) {
        exchange.setProperty(ClientLink.PROPERTY, new ClientLink(exchange.getIn(HttpMessage.class).getRequest()));
    }
}
