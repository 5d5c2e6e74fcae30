package io.chain429.provider;

import io.chain429.config.ProviderConfig;

/** A configured provider at run time: its settings, the adapter for its type, and its own HTTP client. */
public record Provider(ProviderConfig config, ProviderAdapter adapter, ProviderClient client) {

    public String id() {
        return config.id();
    }
}
