package io.chain429.provider.groq;

import static io.chain429.provider.AdapterFixtures.NOW;
import static io.chain429.provider.AdapterFixtures.response;
import static io.chain429.provider.AdapterFixtures.shaped;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.Outcome;
import io.chain429.provider.UpstreamResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GroqAdapterTest {

    private final GroqAdapter adapter = new GroqAdapter();

    private Optional<Instant> resetOf(UpstreamResponse response) {
        Outcome outcome = adapter.classify(response, "llama-3.3-70b-versatile", NOW);
        assertThat(outcome).isInstanceOf(Outcome.RateLimited.class);
        return ((Outcome.RateLimited) outcome).resetAt();
    }

    @Test
    void stripsParametersGroqRejectsButAClientMaySendHarmlessly() {
        ObjectNode body = shaped(adapter, "llama-3.3-70b-versatile", """
                {"messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":3,
                 "logit_bias":{"50256":-100},"temperature":0.5,"n":1,"tool_choice":"auto"}
                """);

        assertThat(body.has("logprobs")).isFalse();
        assertThat(body.has("top_logprobs")).isFalse();
        assertThat(body.has("logit_bias")).isFalse();
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.5);
        assertThat(body.get("tool_choice").asText()).isEqualTo("auto");
        assertThat(body.get("model").asText()).isEqualTo("llama-3.3-70b-versatile");
    }

    @Test
    void leavesNAloneSoGroqsRejectionReachesTheClient() {
        ObjectNode body = shaped(adapter, "m", "{\"messages\":[],\"n\":3}");

        assertThat(body.get("n").asInt()).isEqualTo(3);

        Outcome outcome = adapter.classify(response(400,
                "{\"error\":{\"message\":\"'n' : number must be at most 1\",\"type\":\"invalid_request_error\"}}"), "m", NOW);
        assertThat(outcome).isInstanceOf(Outcome.ClientError.class);
        assertThat(((Outcome.ClientError) outcome).error().message()).isEqualTo("'n' : number must be at most 1");
    }

    @Test
    void retryAfterComesFirst() {
        UpstreamResponse response = response(429, "{}",
                "retry-after", "7",
                "x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "7.66s",
                "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "2m59.56s");

        assertThat(resetOf(response)).contains(NOW.plusSeconds(7));
    }

    @Test
    void exhaustedTokensWindow() {
        UpstreamResponse response = response(429, "{}",
                "x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "7.66s",
                "x-ratelimit-remaining-requests", "14370", "x-ratelimit-reset-requests", "2m59.56s");

        assertThat(resetOf(response)).contains(NOW.plusMillis(7660));
    }

    @Test
    void exhaustedRequestsWindow() {
        UpstreamResponse response = response(429, "{}",
                "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1h2m3s",
                "x-ratelimit-remaining-tokens", "5000", "x-ratelimit-reset-tokens", "350ms");

        assertThat(resetOf(response)).contains(NOW.plus(Duration.ofSeconds(3723)));
    }

    @Test
    void bothExhaustedTakesTheLaterReset() {
        UpstreamResponse response = response(429, "{}",
                "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "2m59.56s",
                "x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "1m0s");

        assertThat(resetOf(response)).contains(NOW.plusMillis(179_560));
    }

    @Test
    void resetsOfDimensionsThatAreNotExhaustedAreIgnored() {
        UpstreamResponse response = response(429, "{}",
                "x-ratelimit-remaining-requests", "10", "x-ratelimit-reset-requests", "2m59.56s",
                "x-ratelimit-remaining-tokens", "12", "x-ratelimit-reset-tokens", "1m0s");

        assertThat(resetOf(response)).isEmpty();
    }

    @Test
    void unreadableResetMeansTheDefaultCooldown() {
        UpstreamResponse response = response(429, "{}",
                "x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "soon");

        assertThat(resetOf(response)).isEmpty();
    }
}
