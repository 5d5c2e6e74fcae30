package io.chain429.provider.nvidia;

import io.chain429.provider.OpenAiCompatibleAdapter;
import java.net.URI;
import java.util.Optional;

/** NVIDIA NIM hosted endpoints (build.nvidia.com). */
public final class NvidiaAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://integrate.api.nvidia.com/v1");

    @Override
    public String type() {
        return "nvidia";
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
