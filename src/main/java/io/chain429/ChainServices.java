package io.chain429;

import io.chain429.chain.AdHocSteps;
import io.chain429.chain.Availability;
import io.chain429.chain.ChainRegistry;
import io.chain429.ratelimit.QuotaKey;

/**
 * Start-up's third step: the chains, and the provider/model steps clients name outside any chain.
 *
 * @param adHoc        what is kept for steps outside any chain, bounded: the least recently used is forgotten
 * @param availability whether a step may be tried now
 */
record ChainServices(ChainRegistry registry, AdHocSteps adHoc, Availability availability) {

    static ChainServices create(StartUpFiles files, ProviderServices providers) {
        ChainRegistry registry = new ChainRegistry(files.chains(), files.config().settings().defaultChain());
        AdHocSteps adHoc = new AdHocSteps(files.config().settings().adHocModelsPerProvider(), registry);
        adHoc.onForget(providers.breakers()::forget);
        adHoc.onForget(step -> providers.providers().find(step.providerId())
                .map(provider -> QuotaKey.of(provider.config(), step.model()))
                .filter(key -> key.bucket().equals(step.model())) // a key of its own, not the account's or a group's
                .ifPresent(providers.state()::forget));
        return new ChainServices(registry, adHoc, new Availability(providers.state()));
    }
}
