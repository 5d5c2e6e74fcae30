package io.chain429.provider.mistral;

import io.chain429.provider.OpenAiCompatibleAdapter;
import java.net.URI;

/** Mistral La Plateforme. Its token-sized rate-limit headers (`x-ratelimitbysize-*`) give no reset time, so a 429 uses the generic headers or the default cooldown. */
public final class MistralAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.mistral.ai/v1");

    public MistralAdapter() {
        super("mistral", DEFAULT_BASE_URL);
    }
}
