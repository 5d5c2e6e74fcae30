package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Learning providers' limits and skipping a step before it answers 429. */
@ExtendWith(GatewayExtension.class)
class RateLimitTest {

    @Simulated
    private ProviderSimulator first;
    @Simulated
    private ProviderSimulator second;
    private RunningGateway gateway;
    @TempDir
    Path dataDir;

    private RunningGateway boot(String firstExtras) throws Exception {
        return RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: groq
                    baseUrl: %s
                    apiKey: ${env:FIRST_KEY}
                %s
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl(), firstExtras, second.baseUrl()),
                chains("duo", "first/model-a, second/model-b"),
                Map.of("FIRST_KEY", "gsk_test_key_abcd1234", "CHAIN429_DATA_DIR", dataDir.toString()));
    }

    @Test
    void aProviderReportingNothingLeftIsSkippedUntilItsResetThenTriedAgain() throws Exception {
        gateway = boot("");
        first.then(Reply.json(200, first.completion("model-a"))
                .withHeader("x-ratelimit-limit-requests", "14400")
                .withHeader("x-ratelimit-remaining-requests", "0")
                .withHeader("x-ratelimit-reset-requests", "1.5s"));

        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("first/model-a");
        HttpResponse<String> skipped = gateway.chat("duo");
        assertThat(skipped.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(skipped.headers().firstValue("X-429chain-Attempts")).as("skipped without a request").hasValue("1");
        assertThat(first.requestCount()).isEqualTo(1);

        await("back after its reset").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> gateway.chat("duo").headers().firstValue("X-429chain-Provider").orElseThrow().equals("first/model-a"));
    }

    @Test
    void aStepWithTooFewTokensLeftForThisRequestIsSkipped() throws Exception {
        gateway = boot("");
        first.then(Reply.json(200, first.completion("model-a"))
                .withHeader("x-ratelimit-limit-tokens", "6000")
                .withHeader("x-ratelimit-remaining-tokens", "300")
                .withHeader("x-ratelimit-reset-tokens", "20s"));
        gateway.chat("duo");

        HttpResponse<String> small = gateway.post("/v1/chat/completions",
                "{\"model\":\"duo\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        HttpResponse<String> big = gateway.post("/v1/chat/completions",
                "{\"model\":\"duo\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(small.headers().firstValue("X-429chain-Provider")).hasValue("first/model-a");
        assertThat(big.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
    }

    @Test
    void configuredLimitsAreCountedLocallyWhenTheProviderReportsNothing() throws Exception {
        gateway = boot("    limits: {rpm: 2}");

        List<String> servedBy = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            servedBy.add(gateway.chat("duo").headers().firstValue("X-429chain-Provider").orElseThrow());
        }

        assertThat(servedBy).containsExactly("first/model-a", "first/model-a", "second/model-b", "second/model-b");
        assertThat(first.requestCount()).isEqualTo(2);
    }

    @Test
    void theConcurrencyLimitIsNeverExceededUnderAHundredParallelRequests() throws Exception {
        gateway = boot("    limits: {concurrency: 3}");
        first.always(Reply.json(200, first.completion("model-a")).after(Duration.ofMillis(150)));
        second.always(Reply.json(200, second.completion("model-b")).after(Duration.ofMillis(150)));

        ExecutorService clients = Executors.newFixedThreadPool(100);
        List<Future<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            responses.add(clients.submit(() -> gateway.chat("duo")));
        }
        int servedByFirst = 0;
        for (Future<HttpResponse<String>> response : responses) {
            HttpResponse<String> done = response.get();
            assertThat(done.statusCode()).isEqualTo(200);
            servedByFirst += done.headers().firstValue("X-429chain-Provider").orElseThrow().equals("first/model-a") ? 1 : 0;
        }
        clients.shutdown();

        assertThat(first.maxConcurrentRequests()).isLessThanOrEqualTo(3);
        assertThat(servedByFirst).as("the limited step still did its share").isGreaterThan(0);
        assertThat(servedByFirst + second.requestCount()).isEqualTo(100);
        JsonNode key = json(gateway.get("/v1/ratelimits")).path("data").get(0).path("quotaKeys").get(0);
        assertThat(key.path("inFlight").asInt()).as("every permit came back").isZero();
    }

    @Test
    void aFlappingStepIsLeftAloneOnceItsCircuitOpensAndComesBackWhenItRecovers() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                settings:
                  circuitOpenFor: 600ms
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl(), second.baseUrl()),
                chains("duo", "first/model-a, second/model-b", "other", "first/model-c"),
                Map.of("CHAIN429_DATA_DIR", dataDir.toString()));
        Reply down = Reply.json(502, "{\"error\":{\"message\":\"bad gateway\"}}");
        first.then(down, down, down, down, down);

        for (int i = 0; i < 10; i++) {
            assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        }
        assertThat(first.requestCount()).as("five failures in a row open it; then it is not hit on every request").isEqualTo(5);
        assertThat(gateway.chat("other").statusCode()).as("the provider's other models are not affected").isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).as("one trial after the rest, and back")
                        .hasValue("first/model-a"));
        assertThat(first.requestCount()).as("the five failures, the other model's request and one trial").isEqualTo(7);
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("first/model-a");
    }

    @Test
    void aRejectedKeyIsDisabledThenReEnabledByTheBackgroundProbe() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                settings:
                  keyProbeAfter: 1500ms
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:FIRST_KEY}
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl(), second.baseUrl()),
                chains("duo", "first/model-a, second/model-b"),
                Map.of("FIRST_KEY", "sk-rotated-key-5678", "CHAIN429_DATA_DIR", dataDir.toString()));
        first.then(Reply.json(401, "{\"error\":{\"message\":\"Invalid API key\"}}"));

        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(json(gateway.get("/v1/ratelimits")).path("data").get(0).path("status").asText()).isEqualTo("disabled");

        await("re-enabled").atMost(Duration.ofSeconds(30))
                .until(() -> !json(gateway.get("/v1/ratelimits")).path("data").get(0).path("status").asText().equals("disabled"));
        assertThat(first.modelsReceived()).anySatisfy(probe -> {
            assertThat(probe.path()).isEqualTo("/v1/models");
            assertThat(probe.header("Authorization")).isEqualTo("Bearer sk-rotated-key-5678");
        });
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).as("re-enabled by the probe").hasValue("first/model-a");
    }

    @Test
    void anActiveCooldownSurvivesARestart() throws Exception {
        gateway = boot("");
        first.then(Reply.json(429, "{}").withHeader("retry-after", "120"));
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        gateway.close();

        gateway = boot("");
        HttpResponse<String> afterRestart = gateway.chat("duo");

        assertThat(afterRestart.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(afterRestart.headers().firstValue("X-429chain-Attempts")).hasValue("1");
        assertThat(first.requestCount()).as("the cooling step was not asked again after the restart").isEqualTo(1);
    }

    @Test
    void aCorruptStateFileIsSetAsideAndNeverStopsStartUp() throws Exception {
        Files.writeString(dataDir.resolve("provider-state.json"), "{ this is not json");

        gateway = boot("");

        assertThat(gateway.chat("duo").statusCode()).isEqualTo(200);
        try (var files = Files.list(dataDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(name -> name.startsWith("provider-state.json.corrupt-"));
        }
    }

    @Test
    void rateLimitsShowsWhatIsKnownWithKeysMasked() throws Exception {
        gateway = boot("    limits: {concurrency: 4}");
        first.then(Reply.json(429, "{}").withHeader("retry-after", "30")
                .withHeader("x-ratelimit-limit-tokens", "6000").withHeader("x-ratelimit-remaining-tokens", "0")
                .withHeader("x-ratelimit-reset-tokens", "7.66s"));
        gateway.chat("duo");

        HttpResponse<String> response = gateway.get("/v1/ratelimits");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).doesNotContain("gsk_test_key_abcd1234").doesNotContain("gsk_");
        JsonNode firstProvider = json(response).path("data").get(0);
        assertThat(firstProvider.path("id").asText()).isEqualTo("first");
        assertThat(firstProvider.path("key").asText()).isEqualTo("****1234");
        assertThat(firstProvider.path("status").asText()).isEqualTo("enabled");
        JsonNode key = firstProvider.path("quotaKeys").get(0);
        assertThat(key.path("bucket").asText()).isEqualTo("model-a");
        assertThat(key.path("cooldown").path("reason").asText()).contains("429");
        assertThat(key.path("reported").get(0).path("dimension").asText()).isEqualTo("tokens/minute");
        assertThat(key.path("reported").get(0).path("remaining").asLong()).isZero();
        assertThat(key.path("concurrencyLimit").asInt()).isEqualTo(4);
        assertThat(key.path("requestsToday").asInt()).isEqualTo(1);
    }
}
