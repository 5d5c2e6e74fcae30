package io.chain429.chain;

import java.util.List;

/**
 * What the routes folder declares: its chains, and the policy the {@code chain} template's parameter defaults make.
 *
 * @param all      the chains, files in name order
 * @param defaults the policy of a provider/model step outside any chain; a chain's parameters it leaves out are these
 */
public record DeclaredChains(List<ChainDefinition> all, ChainPolicy defaults) {

    public DeclaredChains {
        all = List.copyOf(all);
    }
}
