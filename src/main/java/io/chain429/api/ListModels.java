package io.chain429.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.Json;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** {@code GET /v1/models}: every chain, then every {@code provider/model} step whose provider is enabled. */
public final class ListModels implements Processor {

    private final ServedModels models;

    public ListModels(ServedModels models) {
        this.models = models;
    }

    @Override
    public void process(Exchange exchange) {
        ObjectNode list = Json.object().put("object", "list");
        list.putArray("data").addAll(models.all());
        HttpReplies.json(exchange.getMessage(), 200, list);
    }
}
