package io.chain429.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.chain.ChainDefinition;
import io.chain429.chain.ChainRegistry;
import io.chain429.core.Json;
import io.chain429.core.Step;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.ProviderState;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What 429chain offers as models, as OpenAI's model objects ({@code id}, {@code object}, {@code created},
 * {@code owned_by}): every chain, then every {@code provider/model} step whose provider is enabled. Shared by
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}, so that a listed id is always one that can be retrieved.
 */
public final class ServedModels {

    private final ChainRegistry chains;
    private final ProviderRegistry providers;
    private final ProviderState state;
    private final long created = System.currentTimeMillis() / 1000;

    public ServedModels(ChainRegistry chains, ProviderRegistry providers, ProviderState state) {
        this.chains = chains;
        this.providers = providers;
        this.state = state;
    }

    public List<ObjectNode> all() {
        List<ObjectNode> models = new ArrayList<>();
        Set<Step> steps = new LinkedHashSet<>();
        for (ChainDefinition chain : chains.all()) {
            models.add(model(chain.name(), "429chain"));
            steps.addAll(chain.steps());
        }
        steps.stream().filter(this::enabled).forEach(step -> models.add(model(step.toString(), step.providerId())));
        return models;
    }

    public Optional<ObjectNode> find(String id) {
        return all().stream().filter(model -> model.path("id").asText().equals(id)).findFirst();
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
