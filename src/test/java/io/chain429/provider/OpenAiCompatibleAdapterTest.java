package io.chain429.provider;

import static io.chain429.provider.AdapterFixtures.NOW;
import static io.chain429.provider.AdapterFixtures.json;
import static io.chain429.provider.AdapterFixtures.parse;
import static io.chain429.provider.AdapterFixtures.provider;
import static io.chain429.provider.AdapterFixtures.response;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.Outcome;
import io.chain429.core.ProviderError;
import io.chain429.core.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class OpenAiCompatibleAdapterTest {

    private final OpenAiCompatibleAdapter adapter = new OpenAiCompatibleAdapter();

    private Outcome classify(UpstreamResponse response) {
        return adapter.classify(response, "my-model", NOW);
    }

    @Nested
    class RateLimits {

        @Test
        void fractionalRetryAfterSeconds() {
            UpstreamResponse response = UpstreamResponse.of(429, Map.of("retry-after", List.of("8.12")), "{}".getBytes(StandardCharsets.UTF_8));

            Outcome outcome = classify(response);
            assertThat(outcome).isEqualTo(new Outcome.RateLimited(Optional.of(NOW.plusMillis(8120))));
        }

        @Test
        void retryAfterHttpDate() {
            UpstreamResponse response = UpstreamResponse.of(429,
                    Map.of("Retry-After", List.of("Sat, 28 Nov 2026 08:00:00 GMT")), new byte[0]);

            assertThat(classify(response)).isEqualTo(new Outcome.RateLimited(Optional.of(Instant.parse("2026-11-28T08:00:00Z"))));
        }

        @Test
        void retryAfterMilliseconds() {
            UpstreamResponse response = UpstreamResponse.of(429, Map.of("retry-after-ms", List.of("1500")), new byte[0]);

            assertThat(classify(response)).isEqualTo(new Outcome.RateLimited(Optional.of(NOW.plusMillis(1500))));
        }

        @Test
        void millisecondHeaderWinsOverSeconds() {
            UpstreamResponse response = UpstreamResponse.of(429,
                    Map.of("retry-after-ms", List.of("250"), "retry-after", List.of("30")), new byte[0]);

            assertThat(classify(response)).isEqualTo(new Outcome.RateLimited(Optional.of(NOW.plusMillis(250))));
        }

        @Test
        void noHintMeansEmptyReset() {
            UpstreamResponse response = response(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}");

            assertThat(classify(response)).isEqualTo(new Outcome.RateLimited(Optional.empty()));
        }

        @Test
        void unreadableRetryAfterMeansEmptyReset() {
            assertThat(classify(response(429, "", "retry-after", "soon")))
                    .isEqualTo(new Outcome.RateLimited(Optional.empty()));
        }
    }

    @Nested
    class Errors {

        @Test
        void paymentRequired() {
            assertThat(classify(response(402, "{\"error\":{\"message\":\"Insufficient credits\",\"code\":402}}")))
                    .isInstanceOf(Outcome.PaymentRequired.class);
        }

        @Test
        void unauthorizedAndForbiddenAreAuthFailures() {
            assertThat(classify(response(401, "{\"error\":{\"message\":\"Invalid API key\"}}"))).isEqualTo(new Outcome.AuthFailed(401));
            assertThat(classify(response(403, "<html>Forbidden</html>"))).isEqualTo(new Outcome.AuthFailed(403));
        }

        @Test
        void badRequestGoesBackToTheClientWithTheProvidersMessageOnly() {
            String body = "{\"error\":{\"message\":\"temperature must be at most 2\",\"type\":\"invalid_request_error\","
                    + "\"param\":\"temperature\",\"code\":\"invalid_value\"},\"request_id\":\"req_SECRET_TRACE\"}";

            Outcome outcome = classify(response(400, body));

            assertThat(outcome).isInstanceOf(Outcome.ClientError.class);
            Outcome.ClientError error = (Outcome.ClientError) outcome;
            assertThat(error.status()).isEqualTo(400);
            assertThat(error.error().message()).isEqualTo("temperature must be at most 2");
            assertThat(error.error().type()).isEqualTo("invalid_request_error");
            assertThat(error.error().param()).isEqualTo("temperature");
            assertThat(error.error().code()).isEqualTo("invalid_value");
            assertThat(error.error().toString()).doesNotContain("req_SECRET_TRACE").doesNotContain("{");
        }

        @Test
        void badRequestWithANumericCodeGetsAGenericCode() {
            Outcome.ClientError error = (Outcome.ClientError) classify(response(400,
                    "{\"error\":{\"message\":\"n must be 1\",\"code\":400}}"));

            assertThat(error.error().message()).isEqualTo("n must be 1");
            assertThat(error.error().code()).isEqualTo("invalid_request");
        }

        @Test
        void longMessagesAreClippedToOneLine() {
            String message = "bad\n\n" + "x".repeat(1000);
            Outcome.ClientError error = (Outcome.ClientError) classify(response(400,
                    "{\"error\":{\"message\":\"" + message.replace("\n", "\\n") + "\"}}"));

            assertThat(error.error().message()).startsWith("bad x").doesNotContain("\n").hasSizeLessThan(310);
        }

        @Test
        void contextLengthIsAFailureSoTheNextStepIsTried() {
            Outcome outcome = classify(response(400, "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens.\","
                    + "\"code\":\"context_length_exceeded\"}}"));

            assertThat(outcome).isInstanceOf(Outcome.Unsuitable.class);
            assertThat(outcome.reason().code()).isEqualTo("context_too_long");
            assertThat(outcome.reason().detail()).contains("context");
        }

        @Test
        void htmlErrorPageNeverReachesTheDescription() {
            Outcome outcome = classify(response(500,
                    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>cloudflare</h1></body></html>",
                    "content-type", "text/html"));

            assertThat(outcome).isInstanceOf(Outcome.Failed.class);
            assertThat(outcome.reason().code()).isEqualTo("http_500");
            assertThat(outcome.reason().detail()).isEqualTo("server error (HTTP 500; the body was an HTML page)")
                    .doesNotContain("<").doesNotContain("cloudflare");
        }

        @Test
        void errorAsABareStringUnder500() {
            UpstreamResponse response = response(500, "{\"error\":\"upstream exploded at 10.0.0.7\"}");

            Outcome outcome = classify(response);

            assertThat(outcome).isInstanceOf(Outcome.Failed.class);
            assertThat(outcome.reason()).isEqualTo(Reason.http(500, "server error (HTTP 500)"));
            assertThat(adapter.parseError(response).message()).isEqualTo("upstream exploded at 10.0.0.7");
        }

        @Test
        void errorAsABareStringUnder400IsRelayed() {
            Outcome.ClientError error = (Outcome.ClientError) classify(response(400, "{\"error\":\"messages must not be empty\"}"));

            assertThat(error.error().message()).isEqualTo("messages must not be empty");
        }

        @Test
        void errorWrappedInAnArray() {
            ProviderError error = adapter.parseError(response(400,
                    "[{\"error\":{\"code\":400,\"message\":\"bad thing\",\"status\":\"INVALID_ARGUMENT\"}}]"));

            assertThat(error).isEqualTo(new ProviderError("bad thing", "INVALID_ARGUMENT", "400", null));
        }

        @Test
        void otherStatuses() {
            assertThat(classify(response(404, "{}")).reason().code()).isEqualTo("http_404");
            assertThat(classify(response(413, "{}")).reason().code()).isEqualTo("http_413");
            assertThat(classify(response(503, "")).reason()).isEqualTo(Reason.http(503, "server error (HTTP 503; the body was empty)"));
            assertThat(classify(response(400, "{\"error\":{\"message\":\"gone\",\"code\":\"model_not_found\"}}")).reason().code())
                    .isEqualTo("model_unavailable");
        }
    }

    @Nested
    class Successes {

        @Test
        void errorInsideA200IsAFailure() {
            Outcome outcome = classify(response(200, "{\"error\":{\"message\":\"overloaded\",\"code\":502}}"));

            assertThat(outcome).isInstanceOf(Outcome.Failed.class);
            assertThat(outcome.reason().code()).isEqualTo("malformed_response");
            assertThat(outcome.reason().detail()).doesNotContain("overloaded");
        }

        @Test
        void a200WithoutChoicesIsAFailure() {
            assertThat(classify(response(200, "{\"id\":\"x\",\"choices\":[]}"))).isInstanceOf(Outcome.Failed.class);
            assertThat(classify(response(200, "{\"id\":\"x\"}"))).isInstanceOf(Outcome.Failed.class);
            assertThat(classify(response(200, "not json"))).isInstanceOf(Outcome.Failed.class);
        }

        @Test
        void completionIsNormalizedToOpenAisSchema() {
            String body = """
                    {"id":"chatcmpl-1","object":"chat.completion.weird","created":1790000000,"model":"llama-3.3-70b-versatile",
                     "choices":[
                       {"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"end_turn","provider_extra":1},
                       {"index":1,"message":{"role":"assistant"},"finish_reason":"MAX_TOKENS"}],
                     "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4},
                     "x_groq":{"id":"req_01"}}
                    """;

            Outcome outcome = classify(response(200, body));

            assertThat(outcome).isInstanceOf(Outcome.Success.class);
            ObjectNode completion = ((Outcome.Success) outcome).completion();
            assertThat(completion.get("object").asText()).isEqualTo("chat.completion");
            assertThat(completion.get("model").asText()).isEqualTo("llama-3.3-70b-versatile");
            assertThat(completion.get("id").asText()).isEqualTo("chatcmpl-1");
            assertThat(completion.get("created").asLong()).isEqualTo(1790000000L);
            assertThat(completion.has("x_groq")).isFalse();
            assertThat(completion.get("usage").get("total_tokens").asInt()).isEqualTo(4);
            JsonNode first = completion.get("choices").get(0);
            assertThat(first.get("finish_reason").asText()).isEqualTo("stop");
            assertThat(first.get("message").get("content").asText()).isEqualTo("hi");
            assertThat(first.has("provider_extra")).isFalse();
            JsonNode second = completion.get("choices").get(1);
            assertThat(second.get("finish_reason").asText()).isEqualTo("length");
            assertThat(second.get("message").has("content")).isTrue();
            assertThat(second.get("message").get("content").isNull()).isTrue();
        }

        @Test
        void missingIdModelAndCreatedAreFilledIn() {
            ObjectNode completion = ((Outcome.Success) classify(response(200,
                    "{\"choices\":[{\"message\":{\"content\":\"ok\"}}]}"))).completion();

            assertThat(completion.get("id").asText()).startsWith("chatcmpl-");
            assertThat(completion.get("model").asText()).isEqualTo("my-model");
            assertThat(completion.get("created").asLong()).isEqualTo(NOW.getEpochSecond());
            JsonNode choice = completion.get("choices").get(0);
            assertThat(choice.get("index").asInt()).isZero();
            assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
            assertThat(choice.get("finish_reason").isNull()).isTrue();
        }
    }

    @Nested
    class Requests {

        @Test
        void setsTheModelAndKeepsUnknownFields() {
            ObjectNode client = json("{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"temperature\":0.2,\"some_future_field\":{\"a\":1}}");

            UpstreamRequest request = adapter.prepare(provider(adapter), "llama-3.3-70b", client);

            JsonNode sent = parse(request.body());
            assertThat(sent.get("model").asText()).isEqualTo("llama-3.3-70b");
            assertThat(sent.get("temperature").asDouble()).isEqualTo(0.2);
            assertThat(sent.get("some_future_field").get("a").asInt()).isEqualTo(1);
            assertThat(sent.get("messages").get(0).get("content").asText()).isEqualTo("hi");
        }

        @Test
        void doesNotMutateTheClientBody() {
            ObjectNode client = json("{\"model\":\"fast\",\"messages\":[]}");
            ObjectNode copy = client.deepCopy();

            adapter.prepare(provider(adapter), "other", client);

            assertThat(client).isEqualTo(copy);
        }

        @Test
        void postsToChatCompletionsWithTheKeyKeptApart() {
            UpstreamRequest request = adapter.prepare(provider(adapter), "m", json("{}"));

            assertThat(request.uri().toString()).isEqualTo("http://localhost:8080/v1/chat/completions");
            assertThat(request.headers()).containsEntry("Content-Type", "application/json")
                    .doesNotContainKey("Authorization");
            assertThat(request.apiKey()).isPresent();
            assertThat(request.toString()).doesNotContain("sk-test-1234567890");
        }

        @Test
        void trailingSlashInBaseUrl() {
            assertThat(OpenAiCompatibleAdapter.chatCompletionsUri(java.net.URI.create("http://h/v1/")).toString())
                    .isEqualTo("http://h/v1/chat/completions");
        }
    }

    @Test
    void typeAndDefaults() {
        assertThat(adapter.type()).isEqualTo("openai-compatible");
        assertThat(adapter.defaultBaseUrl()).isEmpty();
        assertThat(adapter.requiresApiKey()).isFalse();
    }
}
