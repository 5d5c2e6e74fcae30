package io.chain429.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.chain.ChainDefinition;
import io.chain429.chain.ChainRegistry;
import io.chain429.chain.Step;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.ProviderState;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** {@code GET /v1/models}: every chain, then every {@code provider/model} step whose provider is enabled. */
public final class ListModels implements Processor {

    private final ChainRegistry chains;
    private final ProviderRegistry providers;
    private final ProviderState state;
    private final long created = System.currentTimeMillis() / 1000;

    public ListModels(ChainRegistry chains, ProviderRegistry providers, ProviderState state) {
        this.chains = chains;
        this.providers = providers;
        this.state = state;
    }

    @Override
    public void process(Exchange exchange) {
        ObjectNode list = Json.object().put("object", "list");
        ArrayNode data = list.putArray("data");
        Set<Step> steps = new LinkedHashSet<>();
        for (ChainDefinition chain : chains.all()) {
            data.add(model(chain.name(), "429chain"));
            steps.addAll(chain.steps());
        }
        steps.stream().filter(this::enabled).forEach(step -> data.add(model(step.toString(), step.providerId())));
        HttpReplies.json(exchange.getMessage(), 200, list);
    }

    private boolean enabled(Step step) {
        return providers.find(step.providerId())
                .filter(p -> p.config().enabled() && state.disabledReason(p.id()).isEmpty())
                .isPresent();
    }

    private ObjectNode model(String id, String ownedBy) {
        return Json.object().put("id", id).put("object", "model").put("created", created).put("owned_by", ownedBy);
    }
}
