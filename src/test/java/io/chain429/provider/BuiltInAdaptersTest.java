package io.chain429.provider;

import static io.chain429.provider.AdapterFixtures.provider;
import static io.chain429.provider.AdapterFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every type named in providers.md is registered with its default base URL. */
class BuiltInAdaptersTest {

    private final AdapterRegistry registry = AdapterRegistry.builtIn();

    @ParameterizedTest
    @CsvSource({
            "openrouter, https://openrouter.ai/api/v1",
            "groq,       https://api.groq.com/openai/v1",
            "cerebras,   https://api.cerebras.ai/v1",
            "gemini,     https://generativelanguage.googleapis.com/v1beta/openai",
            "mistral,    https://api.mistral.ai/v1",
            "nvidia,     https://integrate.api.nvidia.com/v1",
            "github,     https://models.github.ai/inference",
            "openai,     https://api.openai.com/v1",
    })
    void hostedProvidersHaveADefaultUrlAndNeedAKey(String type, String url) {
        assertThat(registry.names()).contains(type);
        assertThat(registry.defaultBaseUrl(type)).contains(URI.create(url));
        assertThat(registry.requiresApiKey(type)).isTrue();
        ProviderAdapter adapter = registry.adapter(type);
        assertThat(adapter.type()).isEqualTo(type);
        assertThat(adapter).isInstanceOf(OpenAiCompatibleAdapter.class);
        assertThat(adapter.prepare(provider(adapter), "m", json("{}")).uri())
                .isEqualTo(URI.create(url + "/chat/completions"));
    }

    @Test
    void genericAndDemoStayAsTheyWere() {
        assertThat(registry.defaultBaseUrl("openai-compatible")).isEqualTo(Optional.empty());
        assertThat(registry.requiresApiKey("openai-compatible")).isFalse();
        assertThat(registry.requiresApiKey("demo")).isFalse();
        assertThat(registry.names()).hasSize(10);
    }

    @Test
    void plainAdaptersAddNoHeaders() {
        for (String type : new String[] {"openai", "mistral", "nvidia", "github", "groq", "cerebras", "gemini"}) {
            ProviderAdapter adapter = registry.adapter(type);
            assertThat(adapter.prepare(provider(adapter), "m", json("{}")).headers())
                    .as(type).isEqualTo(Map.of("Content-Type", "application/json", "Accept", "application/json"));
        }
    }
}
