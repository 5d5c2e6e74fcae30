package io.chain429.provider.cerebras;

import static io.chain429.provider.AdapterFixtures.NOW;
import static io.chain429.provider.AdapterFixtures.json;
import static io.chain429.provider.AdapterFixtures.parse;
import static io.chain429.provider.AdapterFixtures.provider;
import static io.chain429.provider.AdapterFixtures.response;
import static io.chain429.provider.AdapterFixtures.shaped;
import static io.chain429.provider.cerebras.CerebrasAdapter.MAX_COMPLETION_TOKENS_CAP;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.core.Outcome;
import io.chain429.provider.UpstreamResponse;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CerebrasAdapterTest {

    private final CerebrasAdapter adapter = new CerebrasAdapter();

    private Optional<Instant> resetOf(UpstreamResponse response) {
        Outcome outcome = adapter.classify(response, "llama3.1-8b", NOW);
        assertThat(outcome).isInstanceOf(Outcome.RateLimited.class);
        return ((Outcome.RateLimited) outcome).resetAt();
    }

    @Test
    void capIs8192() {
        assertThat(MAX_COMPLETION_TOKENS_CAP).isEqualTo(8192);
    }

    @Test
    void stripsPenalties() {
        ObjectNode body = shaped(adapter, "llama3.1-8b",
                "{\"messages\":[],\"presence_penalty\":0.5,\"frequency_penalty\":0.1,\"temperature\":0.3,\"max_tokens\":100}");

        assertThat(body.has("presence_penalty")).isFalse();
        assertThat(body.has("frequency_penalty")).isFalse();
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.3);
    }

    @Test
    void capsMaxCompletionTokens() {
        ObjectNode body = shaped(adapter, "m", "{\"messages\":[],\"max_completion_tokens\":65536}");

        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(8192);
        assertThat(body.has("max_tokens")).isFalse();
    }

    @Test
    void capsMaxTokensWithoutAddingTheOtherField() {
        ObjectNode body = shaped(adapter, "m", "{\"messages\":[],\"max_tokens\":100000}");

        assertThat(body.get("max_tokens").asInt()).isEqualTo(8192);
        assertThat(body.has("max_completion_tokens")).isFalse();
    }

    @Test
    void capsBothWhenBothAreGiven() {
        ObjectNode body = shaped(adapter, "m", "{\"messages\":[],\"max_tokens\":9000,\"max_completion_tokens\":20000}");

        assertThat(body.get("max_tokens").asInt()).isEqualTo(8192);
        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(8192);
    }

    @Test
    void keepsSmallerLimits() {
        ObjectNode body = shaped(adapter, "m", "{\"messages\":[],\"max_completion_tokens\":512,\"max_tokens\":8192}");

        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(512);
        assertThat(body.get("max_tokens").asInt()).isEqualTo(8192);
    }

    @Test
    void setsTheCapWhenNoLimitIsGiven() {
        assertThat(shaped(adapter, "m", "{\"messages\":[]}").get("max_completion_tokens").asInt()).isEqualTo(8192);

        ObjectNode nulls = shaped(adapter, "m", "{\"messages\":[],\"max_tokens\":null}");
        assertThat(nulls.get("max_completion_tokens").asInt()).isEqualTo(8192);
        assertThat(nulls.has("max_tokens")).isFalse();
    }

    @Test
    void usesTheConfiguredCap() {
        ProviderConfig config = withMaxCompletionTokens(2048);

        ObjectNode capped = shapedFor(config, "{\"messages\":[],\"max_completion_tokens\":8192,\"max_tokens\":4096}");
        assertThat(capped.get("max_completion_tokens").asInt()).isEqualTo(2048);
        assertThat(capped.get("max_tokens").asInt()).isEqualTo(2048);

        assertThat(shapedFor(config, "{\"messages\":[]}").get("max_completion_tokens").asInt()).isEqualTo(2048);
        assertThat(shapedFor(config, "{\"messages\":[],\"max_tokens\":1000}").get("max_tokens").asInt()).isEqualTo(1000);
    }

    @Test
    void aConfiguredCapMayBeAboveTheDefault() {
        ObjectNode body = shapedFor(withMaxCompletionTokens(32768), "{\"messages\":[],\"max_completion_tokens\":65536}");

        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(32768);
    }

    @Test
    void limitsWithoutTheCapKeepTheDefault() {
        ProviderConfig base = provider(adapter);
        ProviderConfig config = new ProviderConfig(base.id(), base.type(), base.baseUrl(), base.apiKey(), base.quotaScope(),
                new Limits(30, null, 60000, null, 2, null), base.timeouts(), base.disabledReason(), base.line());

        assertThat(shapedFor(config, "{\"messages\":[]}").get("max_completion_tokens").asInt()).isEqualTo(8192);
        assertThat(shapedFor(config, "{\"messages\":[],\"max_tokens\":100000}").get("max_tokens").asInt()).isEqualTo(8192);
    }

    private ProviderConfig withMaxCompletionTokens(int cap) {
        ProviderConfig base = provider(adapter);
        return new ProviderConfig(base.id(), base.type(), base.baseUrl(), base.apiKey(), base.quotaScope(),
                new Limits(null, null, null, null, null, cap), base.timeouts(), base.disabledReason(), base.line());
    }

    private ObjectNode shapedFor(ProviderConfig config, String clientBody) {
        return (ObjectNode) parse(adapter.prepare(config, "m", json(clientBody)).body());
    }

    @Test
    void genericHeadersComeFirst() {
        UpstreamResponse response = response(429, "{}", "retry-after", "3",
                "x-ratelimit-remaining-tokens-minute", "0", "x-ratelimit-reset-tokens-minute", "42.5");

        assertThat(resetOf(response)).contains(NOW.plusSeconds(3));
    }

    @Test
    void exhaustedTokensPerMinute() {
        UpstreamResponse response = response(429, "{}",
                "x-ratelimit-remaining-tokens-minute", "0", "x-ratelimit-reset-tokens-minute", "42.5",
                "x-ratelimit-remaining-requests-day", "13990", "x-ratelimit-reset-requests-day", "33011.38");

        assertThat(resetOf(response)).contains(NOW.plusMillis(42_500));
    }

    @Test
    void exhaustedRequestsPerDay() {
        UpstreamResponse response = response(429, "{}",
                "x-ratelimit-remaining-tokens-minute", "60000", "x-ratelimit-reset-tokens-minute", "42.5",
                "x-ratelimit-remaining-requests-day", "0", "x-ratelimit-reset-requests-day", "33011.38");

        assertThat(resetOf(response)).contains(NOW.plusMillis(33_011_380));
    }

    @Test
    void bothExhaustedTakesTheLaterReset() {
        UpstreamResponse response = response(429, "{}",
                "x-ratelimit-remaining-tokens-minute", "0", "x-ratelimit-reset-tokens-minute", "42.5",
                "x-ratelimit-remaining-requests-day", "0", "x-ratelimit-reset-requests-day", "33011.38");

        assertThat(resetOf(response)).contains(NOW.plusMillis(33_011_380));
    }

    @Test
    void nothingExhaustedMeansTheDefaultCooldown() {
        UpstreamResponse response = response(429, "{}",
                "x-ratelimit-remaining-tokens-minute", "10", "x-ratelimit-reset-tokens-minute", "42.5");

        assertThat(resetOf(response)).isEmpty();
    }
}
