package io.chain429.provider.mistral;

import io.chain429.provider.OpenAiCompatibleAdapter;
import java.net.URI;
import java.util.Optional;

/** Mistral La Plateforme. Its token-sized rate-limit headers (`x-ratelimitbysize-*`) give no reset time, so a 429 uses the generic headers or the default cooldown. */
public final class MistralAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.mistral.ai/v1");

    @Override
    public String type() {
        return "mistral";
    }

    @Override
    public Optional<URI> defaultBaseUrl() {
        return Optional.of(DEFAULT_BASE_URL);
    }

    @Override
    public boolean requiresApiKey() {
        return true;
    }
}
