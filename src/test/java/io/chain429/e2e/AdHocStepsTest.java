package io.chain429.e2e;

import static io.chain429.e2e.FailureCausesTest.provider;
import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.simulator.ProviderSimulator;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients choose the {@code provider/model} names they send: what 429chain keeps for such steps — quota keys and their
 * MBeans, circuits, metric series, usage rows, state-file entries — stays within {@code adHocModelsPerProvider} per
 * provider, while the steps its chains name are always kept.
 */
@ExtendWith(GatewayExtension.class)
class AdHocStepsTest {

    private static final ObjectName QUOTA_KEYS = name("io.chain429:type=QuotaKey,provider=first,*");

    @TempDir
    Path dataDir;
    @Simulated
    private ProviderSimulator first;
    private RunningGateway gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                settings:
                  adHocModelsPerProvider: 3
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    quotaScope: model
                    limits: {rpm: 1000, tpd: 1000000}
                """.formatted(first.baseUrl()), chains("solo", "first/model-a"), Map.of("CHAIN429_DATA_DIR", dataDir.toString()));
    }

    @Test
    void tenNamesAClientMadeUpLeaveOnlyTheThreeMostRecentAndTheChainsOwnStep() throws Exception {
        assertThat(gateway.chat("solo").statusCode()).isEqualTo(200);
        for (int i = 1; i <= 10; i++) {
            assertThat(gateway.chat("first/made-up-" + i).statusCode()).isEqualTo(200);
        }

        JsonNode rateLimits = provider(json(gateway.get("/v1/ratelimits")), "first");
        assertThat(buckets(rateLimits.path("quotaKeys"), "bucket"))
                .containsExactlyInAnyOrder("model-a", "made-up-8", "made-up-9", "made-up-10");
        assertThat(buckets(rateLimits.path("circuits"), "step"))
                .containsExactlyInAnyOrder("first/model-a", "first/made-up-8", "first/made-up-9", "first/made-up-10");

        String metrics = gateway.getManagement("/metrics").body();
        assertThat(metrics).contains("chain=\"first/*\"").contains("chain=\"solo\"")
                .doesNotContain("chain=\"first/made-up-1\"").doesNotContain("step=\"first/made-up-1\"");
        JsonNode chains = json(gateway.getManagement("/v1/stats")).path("chains");
        assertThat(buckets(chains, "name")).containsExactlyInAnyOrder("solo", "first/*");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                ManagementFactory.getPlatformMBeanServer().queryNames(QUOTA_KEYS, null)).hasSize(4));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(savedBuckets())
                .containsExactlyInAnyOrder("model-a", "made-up-8", "made-up-9", "made-up-10"));
    }

    @Test
    void aNameUsedAgainIsKeptOverOlderOnes() {
        for (String model : List.of("one", "two", "three", "one", "four")) {
            assertThat(gateway.chat("first/" + model).statusCode()).isEqualTo(200);
        }

        assertThat(buckets(provider(json(gateway.get("/v1/ratelimits")), "first").path("quotaKeys"), "bucket"))
                .containsExactlyInAnyOrder("one", "three", "four");
    }

    private List<String> savedBuckets() throws Exception {
        Path file = dataDir.resolve("provider-state.json");
        if (!Files.exists(file)) {
            return List.of();
        }
        JsonNode saved = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(file));
        List<String> buckets = new ArrayList<>();
        saved.path("keys").forEach(key -> buckets.add(key.path("bucket").asText()));
        return buckets;
    }

    private static List<String> buckets(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.path(field).asText()));
        return values;
    }

    private static ObjectName name(String text) {
        try {
            return new ObjectName(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
