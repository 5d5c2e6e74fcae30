package io.chain429.provider.github;

import io.chain429.provider.OpenAiCompatibleAdapter;
import java.net.URI;

/** GitHub Models; the key is a GitHub token with the {@code models:read} permission. */
public final class GitHubModelsAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://models.github.ai/inference");

    public GitHubModelsAdapter() {
        super("github", DEFAULT_BASE_URL);
    }
}
