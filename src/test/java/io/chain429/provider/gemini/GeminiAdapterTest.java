package io.chain429.provider.gemini;

import static io.chain429.provider.AdapterFixtures.NOW;
import static io.chain429.provider.AdapterFixtures.response;
import static io.chain429.provider.AdapterFixtures.shaped;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.Outcome;
import io.chain429.core.ProviderError;
import io.chain429.provider.UpstreamResponse;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class GeminiAdapterTest {

    private final GeminiAdapter adapter = new GeminiAdapter();

    private static final String PER_MINUTE_429 = """
            [{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. \
            For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. \
            To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \
            * Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, \
            model: gemini-2.5-flash\\nPlease retry in 52.45s.","status":"RESOURCE_EXHAUSTED",
              "details":[
                {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[
                  {"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests",
                   "quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                   "quotaDimensions":{"location":"global","model":"gemini-2.5-flash"},"quotaValue":"10"}]},
                {"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more","url":"https://ai.google.dev"}]},
                {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"52s"}]}}]
            """;

    private static final String PER_DAY_429 = """
            [{"error":{"code":429,"message":"You exceeded your current quota. Please retry in 11s.","status":"RESOURCE_EXHAUSTED",
              "details":[
                {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[
                  {"quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier"},
                  {"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaValue":"250"}]},
                {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"11s"}]}}]
            """;

    private Optional<Instant> resetOf(String body, Instant now) {
        Outcome outcome = adapter.classify(response(429, body), "gemini-2.5-flash", now);
        assertThat(outcome).isInstanceOf(Outcome.RateLimited.class);
        return ((Outcome.RateLimited) outcome).resetAt();
    }

    @Nested
    class Errors {

        @Test
        void arrayErrorKeepsGooglesStatusAsTheType() {
            ProviderError error = adapter.parseError(response(429, PER_MINUTE_429));

            assertThat(error.type()).isEqualTo("RESOURCE_EXHAUSTED");
            assertThat(error.code()).isEqualTo("429");
            assertThat(error.message()).startsWith("You exceeded your current quota");
        }

        @Test
        void plainBadRequestGoesBackToTheClient() {
            Outcome outcome = adapter.classify(response(400, """
                    [{"error":{"code":400,"message":"Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \\"hot\\"",
                      "status":"INVALID_ARGUMENT"}}]
                    """), "gemini-2.5-flash", NOW);

            assertThat(outcome).isInstanceOf(Outcome.ClientError.class);
            assertThat(((Outcome.ClientError) outcome).error().message())
                    .startsWith("Invalid value at 'generation_config.temperature'");
        }

        @Test
        void invalidKeyIsAnAuthFailureThoughItIsA400() {
            Outcome outcome = adapter.classify(response(400, """
                    [{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
                      "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID",
                                  "domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}]
                    """), "gemini-2.5-flash", NOW);

            assertThat(outcome).isEqualTo(new Outcome.AuthFailed(400));
        }

        @Test
        void invalidKeyNamedOnlyInTheDetails() {
            UpstreamResponse response = response(400, """
                    {"error":{"code":400,"message":"Request is invalid.","status":"INVALID_ARGUMENT",
                      "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}
                    """);

            assertThat(adapter.parseError(response).code()).isEqualTo("API_KEY_INVALID");
            assertThat(adapter.classify(response, "gemini-2.5-flash", NOW)).isEqualTo(new Outcome.AuthFailed(400));
        }

        @Test
        void invalidKeyNamedOnlyInTheMessage() {
            Outcome outcome = adapter.classify(response(400,
                    "[{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\",\"status\":\"INVALID_ARGUMENT\"}}]"),
                    "gemini-2.5-flash", NOW);

            assertThat(outcome).isEqualTo(new Outcome.AuthFailed(400));
        }

        @Test
        void keyWordsUnderAnotherStatusAreNotAnAuthFailure() {
            Outcome outcome = adapter.classify(response(400,
                    "[{\"error\":{\"code\":400,\"message\":\"API key not valid\",\"status\":\"FAILED_PRECONDITION\"}}]"),
                    "gemini-2.5-flash", NOW);

            assertThat(outcome).isInstanceOf(Outcome.ClientError.class);
        }
    }

    @Nested
    class RateLimits {

        @Test
        void retryInfoDelay() {
            assertThat(resetOf(PER_MINUTE_429, NOW)).contains(NOW.plusSeconds(52));
        }

        @Test
        void fractionalRetryInfoDelay() {
            assertThat(resetOf("""
                    [{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED",
                      "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"0.5s"}]}}]
                    """, NOW)).contains(NOW.plusMillis(500));
        }

        @Test
        void delayOnlyInTheMessageEvenPastTheClippedLength() {
            String body = PER_MINUTE_429.replace(",\n    {\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"52s\"}", "")
                    .replaceAll("\\{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"52s\"}", "{}");
            assertThat(body).doesNotContain("RetryInfo");

            assertThat(resetOf(body, NOW)).contains(NOW.plusMillis(52_450));
        }

        @Test
        void goStyleDelayInTheMessage() {
            assertThat(resetOf("[{\"error\":{\"code\":429,\"message\":\"Quota exceeded. Please retry in 1m2s.\",\"status\":\"RESOURCE_EXHAUSTED\"}}]", NOW))
                    .contains(NOW.plusSeconds(62));
        }

        @Test
        void noHintAtAllFallsBackToGenericHeadersThenEmpty() {
            String body = "[{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\"}}]";
            assertThat(resetOf(body, NOW)).isEmpty();

            Outcome outcome = adapter.classify(response(429, body, "retry-after", "9"), "gemini-2.5-flash", NOW);
            assertThat(outcome).isEqualTo(new Outcome.RateLimited(Optional.of(NOW.plusSeconds(9))));
        }

        @Test
        void perDayQuotaWaitsForMidnightPacificStandardTime() {
            Instant now = Instant.parse("2026-11-27T20:00:00Z");

            assertThat(resetOf(PER_DAY_429, now)).contains(Instant.parse("2026-11-28T08:00:00Z"));
        }

        @Test
        void perDayQuotaWaitsForMidnightPacificDaylightTime() {
            Instant now = Instant.parse("2026-07-15T20:00:00Z");

            assertThat(resetOf(PER_DAY_429, now)).contains(Instant.parse("2026-07-16T07:00:00Z"));
        }

        @Test
        void midnightIsTheNextOneInPacificTimeNotInUtc() {
            // 23:30 on 15 July in California, already 16 July in UTC
            assertThat(GeminiAdapter.nextQuotaMidnight(Instant.parse("2026-07-16T06:30:00Z")))
                    .isEqualTo(Instant.parse("2026-07-16T07:00:00Z"));
            // 00:30 on 16 July in California
            assertThat(GeminiAdapter.nextQuotaMidnight(Instant.parse("2026-07-16T07:30:00Z")))
                    .isEqualTo(Instant.parse("2026-07-17T07:00:00Z"));
            // exactly midnight: the next one
            assertThat(GeminiAdapter.nextQuotaMidnight(Instant.parse("2026-07-16T07:00:00Z")))
                    .isEqualTo(Instant.parse("2026-07-17T07:00:00Z"));
        }

        @Test
        void midnightAcrossTheDaylightSavingChange() {
            // Saturday 31 October 2026, 13:00 PDT; clocks go back on Sunday 1 November: that midnight is still PDT
            assertThat(GeminiAdapter.nextQuotaMidnight(Instant.parse("2026-10-31T20:00:00Z")))
                    .isEqualTo(Instant.parse("2026-11-01T07:00:00Z"));
            // Sunday 1 November, 13:00 PST: the next midnight is PST
            assertThat(GeminiAdapter.nextQuotaMidnight(Instant.parse("2026-11-01T21:00:00Z")))
                    .isEqualTo(Instant.parse("2026-11-02T08:00:00Z"));
        }
    }

    @Nested
    class Gemma {

        @Test
        void systemAndDeveloperMessagesMergeIntoTheFirstUserTurn() {
            ObjectNode body = shaped(adapter, "gemma-3-27b-it", """
                    {"messages":[
                      {"role":"system","content":"You are terse."},
                      {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                      {"role":"user","content":"Hello"},
                      {"role":"assistant","content":"Bonjour"},
                      {"role":"user","content":"Again"}],
                     "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto","temperature":0.1}
                    """);

            JsonNode messages = body.get("messages");
            assertThat(messages).hasSize(3);
            assertThat(messages.get(0).get("role").asText()).isEqualTo("user");
            assertThat(messages.get(0).get("content").asText()).isEqualTo("You are terse.\n\nAnswer in French.\n\nHello");
            assertThat(messages.get(1).get("content").asText()).isEqualTo("Bonjour");
            assertThat(messages.get(2).get("content").asText()).isEqualTo("Again");
            assertThat(body.has("tools")).isFalse();
            assertThat(body.has("tool_choice")).isFalse();
            assertThat(body.get("temperature").asDouble()).isEqualTo(0.1);
            assertThat(body.get("model").asText()).isEqualTo("gemma-3-27b-it");
        }

        @Test
        void userContentAsParts() {
            ObjectNode body = shaped(adapter, "gemma-3n-e4b-it", """
                    {"messages":[{"role":"system","content":"Be brief."},
                      {"role":"user","content":[{"type":"text","text":"Describe"},{"type":"image_url","image_url":{"url":"data:x"}}]}]}
                    """);

            JsonNode parts = body.get("messages").get(0).get("content");
            assertThat(body.get("messages")).hasSize(1);
            assertThat(parts).hasSize(2);
            assertThat(parts.get(0).get("text").asText()).isEqualTo("Be brief.\n\nDescribe");
            assertThat(parts.get(1).get("type").asText()).isEqualTo("image_url");
        }

        @Test
        void userContentStartingWithAnImage() {
            ObjectNode body = shaped(adapter, "gemma-3-4b-it", """
                    {"messages":[{"role":"system","content":"Be brief."},
                      {"role":"user","content":[{"type":"image_url","image_url":{"url":"data:x"}}]}]}
                    """);

            JsonNode parts = body.get("messages").get(0).get("content");
            assertThat(parts).hasSize(2);
            assertThat(parts.get(0).get("type").asText()).isEqualTo("text");
            assertThat(parts.get(0).get("text").asText()).startsWith("Be brief.");
            assertThat(parts.get(1).get("type").asText()).isEqualTo("image_url");
        }

        @Test
        void withoutAUserTurnTheSystemPromptBecomesOne() {
            ObjectNode body = shaped(adapter, "gemma-3-27b-it", "{\"messages\":[{\"role\":\"system\",\"content\":\"Say hi.\"}]}");

            assertThat(body.get("messages")).hasSize(1);
            assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("user");
            assertThat(body.get("messages").get(0).get("content").asText()).isEqualTo("Say hi.");
        }

        @Test
        void modelsPrefixAndCaseAreRecognised() {
            assertThat(GeminiAdapter.isGemma("models/gemma-3-27b-it")).isTrue();
            assertThat(GeminiAdapter.isGemma("Gemma-3-1b-it")).isTrue();
            assertThat(GeminiAdapter.isGemma("gemini-2.5-flash")).isFalse();
        }

        @Test
        void geminiModelsKeepSystemMessagesAndTools() {
            String client = """
                    {"messages":[{"role":"system","content":"S"},{"role":"user","content":"U"}],"tools":[],"tool_choice":"none"}
                    """;
            ObjectNode body = shaped(adapter, "gemini-2.5-flash", client);

            assertThat(body.get("messages")).hasSize(2);
            assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("system");
            assertThat(body.has("tools")).isTrue();
            assertThat(body.get("tool_choice").asText()).isEqualTo("none");
        }
    }
}
