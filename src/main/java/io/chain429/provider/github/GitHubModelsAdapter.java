package io.chain429.provider.github;

import io.chain429.provider.OpenAiCompatibleAdapter;
import java.net.URI;
import java.util.Optional;

/** GitHub Models; the key is a GitHub token with the {@code models:read} permission. */
public final class GitHubModelsAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://models.github.ai/inference");

    @Override
    public String type() {
        return "github";
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
