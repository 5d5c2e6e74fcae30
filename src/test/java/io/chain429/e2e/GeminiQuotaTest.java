package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gemini's own error bodies (a JSON array around Google's {@code error} with {@code status} and {@code details}),
 * served by a simulator behind a {@code type: gemini} provider, through the running service: a per-minute 429 cools
 * the model down for the {@code RetryInfo} delay, a per-day 429 until midnight US Pacific, and a 400 naming
 * {@code API_KEY_INVALID} disables the provider.
 */
@ExtendWith(GatewayExtension.class)
class GeminiQuotaTest {

    private static final ZoneId PACIFIC = ZoneId.of("America/Los_Angeles");
    private static final String GEMINI_KEY = "AIzaSy-test-gemini-key-7788";

    private static final String PER_MINUTE_429 = """
            [{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. \
            * Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, \
            model: gemini-2.5-flash. Please retry in 1.5s.","status":"RESOURCE_EXHAUSTED",
              "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure",
                          "violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests",
                                         "quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                                         "quotaDimensions":{"location":"global","model":"gemini-2.5-flash"},"quotaValue":"10"}]},
                         {"@type":"type.googleapis.com/google.rpc.Help",
                          "links":[{"description":"Learn more about Gemini API quotas","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},
                         {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}]""";

    /** A per-day quota; Google still sends a short RetryInfo, which must not win over the daily reset. */
    private static final String PER_DAY_429 = """
            [{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. \
            * Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 250, \
            model: gemini-2.5-flash. Please retry in 21s.","status":"RESOURCE_EXHAUSTED",
              "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure",
                          "violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests",
                                         "quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                                         "quotaDimensions":{"location":"global","model":"gemini-2.5-flash"},"quotaValue":"250"}]},
                         {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"21s"}]}}]""";

    /** Google AI Studio's answer to a key it does not know: a 400, not a 401 (as in GeminiAdapterTest). */
    private static final String INVALID_KEY_400 = """
            [{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
              "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID",
                          "domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}]""";

    @Simulated
    private ProviderSimulator gemini;
    @Simulated
    private ProviderSimulator fallback;
    private RunningGateway gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: gemini
                    type: gemini
                    baseUrl: %s
                    apiKey: ${env:GEMINI_KEY}
                    quotaScope: model
                  - id: fallback
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(gemini.baseUrl(), fallback.baseUrl()),
                chains("g", "gemini/gemini-2.5-flash, fallback/m", "other", "gemini/gemini-2.0-flash"),
                Map.of("GEMINI_KEY", GEMINI_KEY));
    }

    @Test
    void aPerMinute429CoolsTheModelDownForItsRetryDelay() throws Exception {
        gemini.then(Reply.json(429, PER_MINUTE_429));

        HttpResponse<String> limited = gateway.chat("g");
        assertThat(limited.statusCode()).isEqualTo(200);
        assertThat(servedBy(limited)).isEqualTo("fallback/m");
        assertThat(attempts(limited)).isEqualTo("2");
        assertThat(gemini.received().get(0).path()).isEqualTo("/v1/chat/completions");
        assertThat(gemini.received().get(0).header("Authorization")).isEqualTo("Bearer " + GEMINI_KEY);
        assertThat(gemini.received().get(0).body().path("model").asText()).isEqualTo("gemini-2.5-flash");

        HttpResponse<String> cooling = gateway.chat("g");
        assertThat(servedBy(cooling)).isEqualTo("fallback/m");
        assertThat(attempts(cooling)).as("the cooling step is skipped, not tried").isEqualTo("1");
        assertThat(gemini.requestCount()).isEqualTo(1);

        gateway.awaitNotCooling("gemini", "gemini-2.5-flash"); // its 1.5 s have run out
        HttpResponse<String> back = gateway.chat("g");
        assertThat(back.statusCode()).isEqualTo(200);
        assertThat(servedBy(back)).isEqualTo("gemini/gemini-2.5-flash");
        assertThat(json(back).path("choices").get(0).path("message").path("content").asText()).isEqualTo("hello from gemini");
        assertThat(gemini.requestCount()).isEqualTo(2);
        assertThat(fallback.requestCount()).isEqualTo(2);
    }

    @Test
    void aPerDay429CoolsTheModelDownUntilMidnightPacificAndLeavesTheOtherModelsAlone() throws Exception {
        gemini.then(Reply.json(429, PER_DAY_429));

        Instant before = nextPacificMidnight(Instant.now());
        HttpResponse<String> limited = gateway.chat("g");
        Instant after = nextPacificMidnight(Instant.now());
        assertThat(servedBy(limited)).isEqualTo("fallback/m");

        JsonNode provider = provider(json(gateway.get("/v1/ratelimits")), "gemini");
        assertThat(provider.path("status").asText()).isEqualTo("enabled");
        assertThat(provider.path("key").asText()).isEqualTo("****7788");
        JsonNode key = quotaKey(provider, "gemini-2.5-flash");
        assertThat(key.path("cooldown").path("reason").asText()).contains("429");
        // 'before' and 'after' differ only when the request straddled midnight in Los Angeles
        assertThat(Instant.parse(key.path("cooldown").path("until").asText())).isIn(before, after);

        HttpResponse<String> stillLimited = gateway.chat("g");
        assertThat(servedBy(stillLimited)).isEqualTo("fallback/m");
        assertThat(attempts(stillLimited)).isEqualTo("1");
        assertThat(gemini.requestCount()).isEqualTo(1);

        HttpResponse<String> other = gateway.chat("other");
        assertThat(other.statusCode()).as("another Gemini model has its own daily quota").isEqualTo(200);
        assertThat(servedBy(other)).isEqualTo("gemini/gemini-2.0-flash");
        assertThat(gemini.requestCount()).isEqualTo(2);
        assertThat(quotaKey(provider(json(gateway.get("/v1/ratelimits")), "gemini"), "gemini-2.0-flash").path("cooldown").isNull())
                .isTrue();
    }

    @Test
    void anInvalidKeyDisablesTheProvider() throws Exception {
        gemini.always(Reply.json(400, INVALID_KEY_400));

        HttpResponse<String> first = gateway.chat("g");
        assertThat(first.statusCode()).as("a bad key is not the client's fault: the chain moves on").isEqualTo(200);
        assertThat(servedBy(first)).isEqualTo("fallback/m");
        assertThat(attempts(first)).isEqualTo("2");
        assertThat(first.body()).doesNotContain("API key not valid");

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> later = gateway.chat("g");
            assertThat(servedBy(later)).isEqualTo("fallback/m");
            assertThat(attempts(later)).isEqualTo("1");
        }
        assertThat(gateway.chat("other").statusCode()).as("every model of the provider is out").isNotEqualTo(200);
        assertThat(gemini.requestCount()).as("disabled: skipped without a request").isEqualTo(1);

        HttpResponse<String> limits = gateway.get("/v1/ratelimits");
        assertThat(limits.body()).doesNotContain(GEMINI_KEY);
        JsonNode provider = provider(json(limits), "gemini");
        assertThat(provider.path("status").asText()).isEqualTo("disabled");
        assertThat(provider.path("disabledReason").asText()).contains("400");
        assertThat(provider(json(limits), "fallback").path("status").asText()).isEqualTo("enabled");
    }

    private static Instant nextPacificMidnight(Instant now) {
        return now.atZone(PACIFIC).toLocalDate().plusDays(1).atStartOfDay(PACIFIC).toInstant();
    }

    private static String servedBy(HttpResponse<String> response) {
        return response.headers().firstValue("X-429chain-Provider").orElse(null);
    }

    private static String attempts(HttpResponse<String> response) {
        return response.headers().firstValue("X-429chain-Attempts").orElse(null);
    }

    private static JsonNode provider(JsonNode rateLimits, String id) {
        for (JsonNode provider : rateLimits.path("data")) {
            if (provider.path("id").asText().equals(id)) {
                return provider;
            }
        }
        throw new AssertionError("no provider " + id + " in " + rateLimits);
    }

    private static JsonNode quotaKey(JsonNode provider, String bucket) {
        for (JsonNode key : provider.path("quotaKeys")) {
            if (key.path("bucket").asText().equals(bucket)) {
                return key;
            }
        }
        throw new AssertionError("no quota key " + bucket + " in " + provider);
    }
}
