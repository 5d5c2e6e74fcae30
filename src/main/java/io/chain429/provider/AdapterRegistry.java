package io.chain429.provider;

import io.chain429.config.ProviderTypes;
import io.chain429.provider.cerebras.CerebrasAdapter;
import io.chain429.provider.demo.DemoAdapter;
import io.chain429.provider.gemini.GeminiAdapter;
import io.chain429.provider.github.GitHubModelsAdapter;
import io.chain429.provider.groq.GroqAdapter;
import io.chain429.provider.mistral.MistralAdapter;
import io.chain429.provider.nvidia.NvidiaAdapter;
import io.chain429.provider.openai.OpenAiAdapter;
import io.chain429.provider.openrouter.OpenRouterAdapter;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Every provider type 429chain knows. Adding a type: write its adapter, add one line to {@link #builtIn()}. */
public final class AdapterRegistry implements ProviderTypes {

    private final Map<String, ProviderAdapter> adapters = new LinkedHashMap<>();

    public AdapterRegistry(List<ProviderAdapter> adapters) {
        adapters.forEach(adapter -> this.adapters.put(adapter.type(), adapter));
    }

    public static AdapterRegistry builtIn() {
        return new AdapterRegistry(List.of(
                new OpenAiCompatibleAdapter(),
                new OpenAiAdapter(),
                new OpenRouterAdapter(),
                new GroqAdapter(),
                new CerebrasAdapter(),
                new GeminiAdapter(),
                new MistralAdapter(),
                new NvidiaAdapter(),
                new GitHubModelsAdapter(),
                new DemoAdapter()));
    }

    public ProviderAdapter adapter(String type) {
        ProviderAdapter adapter = adapters.get(type);
        if (adapter == null) {
            throw new IllegalArgumentException("no adapter for provider type " + type);
        }
        return adapter;
    }

    @Override
    public Set<String> names() {
        return adapters.keySet();
    }

    @Override
    public Optional<URI> defaultBaseUrl(String type) {
        return adapter(type).defaultBaseUrl();
    }

    @Override
    public boolean requiresApiKey(String type) {
        return adapter(type).requiresApiKey();
    }
}
