package io.chain429.provider.nvidia;

import io.chain429.provider.OpenAiCompatibleAdapter;
import java.net.URI;

/** NVIDIA NIM hosted endpoints (build.nvidia.com). */
public final class NvidiaAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://integrate.api.nvidia.com/v1");

    public NvidiaAdapter() {
        super("nvidia", DEFAULT_BASE_URL);
    }
}
