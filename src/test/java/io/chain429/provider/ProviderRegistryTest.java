package io.chain429.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.ProviderConfig.QuotaScope;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.config.Secret;
import io.vertx.core.Vertx;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A live reload of the providers: only what changed is rebuilt, and a request's snapshot never changes under it. */
class ProviderRegistryTest {

    private final Vertx vertx = Vertx.vertx();
    private final ProviderRegistry registry = new ProviderRegistry(config(
            provider("kept", "https://kept.example/v1", "key-kept-0001", 3),
            provider("moved", "https://old.example/v1", "key-moved-0001", 9),
            provider("gone", "https://gone.example/v1", null, 15)), AdapterRegistry.builtIn(), new ProviderClients(vertx, 4));

    @AfterEach
    void stop() {
        vertx.close();
    }

    @Test
    void anUnchangedProviderKeepsItsClientEvenWhenItsEntryMovedInTheFile() {
        Provider kept = registry.find("kept").orElseThrow();
        Map<String, Provider> before = registry.snapshot();

        ProviderRegistry.Changes changes = registry.replace(config(
                provider("added", "https://added.example/v1", null, 3),
                provider("kept", "https://kept.example/v1", "key-kept-0001", 9),
                provider("moved", "https://new.example/v1", "key-moved-0001", 15)));

        assertThat(changes.added()).containsExactly("added");
        assertThat(changes.changed()).containsExactly("moved");
        assertThat(changes.removed()).containsExactly("gone");
        assertThat(registry.find("kept")).containsSame(kept);
        assertThat(registry.find("moved").orElseThrow().config().baseUrl()).isEqualTo(URI.create("https://new.example/v1"));
        assertThat(registry.find("gone")).isEmpty();
        assertThat(before).containsOnlyKeys("kept", "moved", "gone");
        assertThat(before.get("moved").config().baseUrl()).isEqualTo(URI.create("https://old.example/v1"));
    }

    @Test
    void aNewKeyIsAChange() {
        ProviderRegistry.Changes changes = registry.replace(config(
                provider("kept", "https://kept.example/v1", "key-kept-0002", 3),
                provider("moved", "https://old.example/v1", "key-moved-0001", 9),
                provider("gone", "https://gone.example/v1", null, 15)));

        assertThat(changes.changed()).containsExactly("kept");
        assertThat(changes.added()).isEmpty();
        assertThat(changes.removed()).isEmpty();
    }

    private static GatewayConfig config(ProviderConfig... providers) {
        return new GatewayConfig(GatewayConfig.Settings.DEFAULT, List.of(providers), List.of(), "429chain.yaml");
    }

    private static ProviderConfig provider(String id, String url, String key, int line) {
        return new ProviderConfig(id, "openai-compatible", URI.create(url), Optional.ofNullable(key).map(Secret::of),
                QuotaScope.MODEL, Limits.NONE, Timeouts.DEFAULT, Optional.empty(), line);
    }
}
