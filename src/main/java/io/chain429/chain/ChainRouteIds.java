package io.chain429.chain;

import org.apache.camel.model.ModelLifecycleStrategySupport;
import org.apache.camel.model.RouteDefinition;

/**
 * Gives each chain route the id {@code chain-<name>} when its {@code templatedRoute} entry sets no {@code routeId}:
 * Camel would otherwise call it {@code route2}, and operators find chains in Hawtio by this id.
 */
public final class ChainRouteIds extends ModelLifecycleStrategySupport {

    @Override
    public void onAddRouteDefinition(RouteDefinition definition) {
        if (definition.isCreatedFromTemplate() && !definition.hasCustomIdAssigned()
                && definition.getTemplateParameters() != null
                && definition.getTemplateParameters().get("name") instanceof String name
                && definition.getTemplateParameters().containsKey("steps")) {
            definition.setId("chain-" + name);
        }
    }
}
