package io.chain429.provider.openai;

import io.chain429.provider.OpenAiCompatibleAdapter;
import java.net.URI;
import java.util.Optional;

/** OpenAI itself: the reference the base adapter already implements. */
public final class OpenAiAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.openai.com/v1");

    @Override
    public String type() {
        return "openai";
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
