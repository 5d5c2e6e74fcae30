package io.chain429.reload;

import io.chain429.chain.ChainDefinition;
import io.chain429.chain.DeclaredChains;
import io.chain429.config.GatewayConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What 429chain serves: a valid {@code 429chain.yaml} with the chains of the routes folder checked against it. A
 * live reload replaces it only by another valid one.
 *
 * @param otherRoutes per routes file, the text of its items that are not chains (Camel's own routes, the chain
 *                    template): those apply on restart only, so a change to them is reported
 */
public record LiveConfig(GatewayConfig config, DeclaredChains declared, Map<Path, String> otherRoutes) {

    public LiveConfig {
        otherRoutes = Map.copyOf(otherRoutes);
    }

    public List<ChainDefinition> chains() {
        return declared.all();
    }
}
