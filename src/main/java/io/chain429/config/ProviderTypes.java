package io.chain429.config;

import java.net.URI;
import java.util.Optional;
import java.util.Set;

/** What the config loader needs to know about provider types; answered by the adapter registry. */
public interface ProviderTypes {

    Set<String> names();

    /** The base URL used when a provider entry gives none; empty when the type requires one. */
    Optional<URI> defaultBaseUrl(String type);

    /** Whether a provider of this type is unusable without a key (the demo and local servers need none). */
    boolean requiresApiKey(String type);
}
