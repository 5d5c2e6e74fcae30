package io.chain429.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.config.Secret;
import io.chain429.core.Json;
import io.chain429.provider.Provider;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.LimitObservation;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.StateSnapshot;
import io.chain429.ratelimit.StepBreakers;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * {@code GET /v1/ratelimits}: what 429chain knows about each provider, read-only — enabled or why not, its key
 * (masked), its last failure (reason code, detail, step, time), each step's circuit (and when open: since, until and
 * the failures that opened it), and per quota key the cooldown, what the provider last reported per dimension, requests
 * in flight and today's counts.
 */
public final class ListRateLimits implements Processor {

    private final ProviderRegistry providers;
    private final ProviderState state;
    private final StepBreakers breakers;

    public ListRateLimits(ProviderRegistry providers, ProviderState state, StepBreakers breakers) {
        this.providers = providers;
        this.state = state;
        this.breakers = breakers;
    }

    @Override
    public void process(Exchange exchange) {
        StateSnapshot snapshot = state.snapshot();
        ObjectNode root = Json.object().put("object", "list").put("at", snapshot.takenAt().toString());
        ArrayNode data = root.putArray("data");
        for (Provider provider : providers.all()) {
            ProviderConfig config = provider.config();
            ObjectNode node = data.addObject()
                    .put("id", config.id())
                    .put("type", config.type())
                    .put("quotaScope", config.quotaScope().toString())
                    .put("key", config.apiKey().map(Secret::masked).orElse(null));
            String disabled = config.disabledReason().or(() -> state.disabledReason(config.id())).orElse(null);
            node.put("status", disabled != null ? "disabled" : "enabled").put("disabledReason", disabled);
            state.lastFailure(config.id()).ifPresentOrElse(f -> node.putObject("lastFailure").put("reason", f.reason().code())
                    .put("detail", f.reason().detail()).put("step", f.step()).put("at", f.at().toString()),
                    () -> node.putNull("lastFailure"));
            ArrayNode circuits = node.putArray("circuits");
            breakers.of(config.id()).forEach(view -> circuits.add(circuit(view)));
            ArrayNode keys = node.putArray("quotaKeys");
            snapshot.keys().stream().filter(k -> k.key().providerId().equals(config.id())).forEach(k -> keys.add(key(k, config)));
        }
        HttpReplies.json(exchange.getMessage(), 200, root);
    }

    /** One step's circuit: {@code closed}, or open since and until when, after which failures. */
    private static ObjectNode circuit(StepBreakers.View view) {
        ObjectNode node = Json.object().put("step", view.step()).put("state", view.state()).put("since", view.since().toString());
        if (view.open()) {
            node.put("until", view.until() == null ? null : view.until().toString())
                    .put("failedAttempts", view.failedAttempts()).put("attempts", view.attempts());
            ObjectNode openedBy = node.putObject("openedBy");
            view.openedBy().forEach(openedBy::put);
        }
        return node;
    }

    private static ObjectNode key(StateSnapshot.Key key, ProviderConfig config) {
        ObjectNode node = Json.object().put("bucket", key.key().bucket());
        key.cooldown().ifPresentOrElse(
                c -> node.putObject("cooldown").put("until", c.until().toString()).put("reason", c.reason()),
                () -> node.putNull("cooldown"));
        ArrayNode dimensions = node.putArray("reported");
        List<LimitObservation> observed = key.observed();
        for (LimitObservation o : observed) {
            ObjectNode d = dimensions.addObject().put("dimension", o.dimension().toString());
            o.limit().ifPresent(v -> d.put("limit", v));
            o.remaining().ifPresent(v -> d.put("remaining", v));
            o.resetAt().ifPresent(v -> d.put("resetAt", v.toString()));
            d.put("observedAt", o.observedAt().toString());
        }
        node.put("inFlight", key.inFlight());
        if (config.limits().concurrency() != null) {
            node.put("concurrencyLimit", config.limits().concurrency());
        }
        node.put("requestsToday", key.requestsToday()).put("tokensToday", key.tokensToday());
        return node;
    }
}
