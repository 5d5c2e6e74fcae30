package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.e2e.SecretLeakTest.LogCapture;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.ops.ProviderMBeans;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import javax.management.MBeanServer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keys are checked with the providers' own {@code GET /models} once the gateway has started and then every
 * {@code keyCheckEvery}: a rejected key takes its provider out before any request meets it.
 */
@ExtendWith(GatewayExtension.class)
class KeyChecksTest {

    private static final String REJECTED_KEY = "sk-e2e-rejected-key-9876";
    private static final String OTHER_KEY = "sk-e2e-other-key-5555";
    private static final String REJECTED_REASON = "the provider answered HTTP 401 to its API key (checked with GET /models)";
    private static final Reply UNAUTHORIZED = Reply.json(401, "{\"error\":{\"message\":\"Invalid API key\",\"code\":\"invalid_api_key\"}}");

    @Simulated
    private ProviderSimulator rejecting;
    @Simulated
    private ProviderSimulator next;
    private RunningGateway gateway;
    private LogCapture logs;

    @BeforeEach
    void simulators() throws Exception {
        logs = LogCapture.start();
    }

    @AfterEach
    void stop() {
        logs.stop();
    }

    @Test
    void aKeyRejectedAtStartUpDisablesItsProviderBeforeAnyRequest() throws Exception {
        rejecting.modelsAlways(UNAUTHORIZED);
        gateway = boot("", "http://127.0.0.1:" + closedPort() + "/v1");

        // the unreachable provider comes first: its check fails and the next one is still checked
        eventually().until(() -> status("rejecting").path("status").asText().equals("disabled"));

        assertThat(status("rejecting").path("disabledReason").asText()).isEqualTo(REJECTED_REASON);
        assertThat(status("rejecting").path("key").asText()).isEqualTo("****9876");
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        assertThat(jmx.getAttribute(ProviderMBeans.providerName("rejecting"), "Status")).isEqualTo("disabled");
        assertThat(jmx.getAttribute(ProviderMBeans.providerName("rejecting"), "DisabledReason")).isEqualTo(REJECTED_REASON);
        assertThat(json(gateway.getManagement("/health")).path("providers").path("disabled").asInt()).isEqualTo(1);
        assertThat(status("rejecting").path("lastFailure").path("reason").asText()).isEqualTo("key_rejected");
        assertThat(jmx.getAttribute(ProviderMBeans.providerName("rejecting"), "LastErrorReason")).isEqualTo("key_rejected");

        HttpResponse<String> answer = gateway.chat("duo");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("X-429chain-Provider")).hasValue("next/model-b");
        assertThat(answer.headers().firstValue("X-429chain-Attempts")).hasValue("1");
        assertThat(rejecting.requestCount()).as("no chat request reached the rejected key").isZero();
        assertThat(rejecting.modelsReceived()).first()
                .satisfies(check -> assertThat(check.header("Authorization")).isEqualTo("Bearer " + REJECTED_KEY));
        assertThat(status("unreachable").path("status").asText()).as("an unreachable provider says nothing of its key")
                .isEqualTo("enabled");
        assertThat(logs.rawEvents()).filteredOn(event -> event.startsWith("io.chain429.provider.KeyCheck "))
                .anySatisfy(event -> assertThat(event)
                        .contains("provider unreachable could not reach it (connection refused); it stays enabled"))
                .anySatisfy(event -> assertThat(event)
                        .contains("provider rejecting disabled: its API key ****9876 was rejected (HTTP 401 to GET /models)")
                        .contains("Check or replace the key"));
        assertThat(String.join("\n", logs.rawEvents())).doesNotContain(REJECTED_KEY).doesNotContain(OTHER_KEY);
    }

    @Test
    void aGeminiKeyRejectedWithGooglesOwn400IsFoundAtStartUp() throws Exception {
        // Google AI Studio's answer to a key it does not know: a 400, not a 401 (as in GeminiQuotaTest)
        rejecting.modelsAlways(Reply.json(400, """
                [{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
                  "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID",
                              "domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}]"""));
        next.modelsAlways(Reply.json(400, "{\"error\":{\"message\":\"unsupported parameter\",\"type\":\"invalid_request_error\"}}"));
        gateway = boot("", null, "gemini");

        eventually().until(() -> status("rejecting").path("status").asText().equals("disabled"));

        assertThat(status("rejecting").path("disabledReason").asText())
                .isEqualTo("the provider answered HTTP 400 to its API key (checked with GET /models)");
        assertThat(status("rejecting").path("lastFailure").path("reason").asText()).isEqualTo("key_rejected");
        eventually().until(() -> logs.rawEvents().stream().anyMatch(event -> event.contains("key check of provider next")));
        assertThat(status("next").path("status").asText()).as("a 400 that does not name the key says nothing of it")
                .isEqualTo("enabled");
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("next/model-b");
        assertThat(rejecting.requestCount()).as("no chat request reached the rejected key").isZero();
    }

    @Test
    void aKeyRejectedLaterIsFoundByThePeriodicCheck() throws Exception {
        gateway = boot("  keyCheckEvery: 200ms\n", null);
        eventually().until(() -> rejecting.modelsRequestCount() >= 1);
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("rejecting/model-a");

        rejecting.modelsAlways(UNAUTHORIZED); // e.g. the key was revoked at the provider

        eventually().until(() -> status("rejecting").path("status").asText().equals("disabled"));
        assertThat(status("rejecting").path("disabledReason").asText()).isEqualTo(REJECTED_REASON);
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("next/model-b");
        assertThat(rejecting.requestCount()).as("only the chat request before the key was revoked").isEqualTo(1);
    }

    @Test
    void zeroTurnsTheChecksOff() throws Exception {
        rejecting.modelsAlways(UNAUTHORIZED).always(UNAUTHORIZED);

        gateway = boot("  keyCheckEvery: 0s\n", null);

        // the checks start (or say they are off) while the gateway starts
        assertThat(logs.rawEvents()).anySatisfy(event -> assertThat(event).contains("key checks are off"));
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("next/model-b");
        assertThat(rejecting.requestCount()).as("the rejected key is found by the first request instead").isEqualTo(1);
        assertThat(rejecting.modelsRequestCount()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    /**
     * {@code rejecting} (keyed) then {@code next}, in chain {@code duo}; with {@code unreachableUrl}, a keyed provider
     * {@code unreachable} there, listed first.
     */
    private RunningGateway boot(String settings, String unreachableUrl) throws Exception {
        return boot(settings, unreachableUrl, "openai-compatible");
    }

    /** As {@link #boot(String, String)}, {@code rejecting} of this provider type. */
    private RunningGateway boot(String settings, String unreachableUrl, String rejectingType) throws Exception {
        String unreachable = unreachableUrl == null ? "" : """
                  - id: unreachable
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:OTHER_KEY}
                """.formatted(unreachableUrl);
        return RunningGateway.start("""
                version: 1
                settings:
                  keyProbeAfter: 1h
                %sproviders:
                %s  - id: rejecting
                    type: %s
                    baseUrl: %s
                    apiKey: ${env:REJECTED_KEY}
                  - id: next
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:OTHER_KEY}
                """.formatted(settings, unreachable, rejectingType, rejecting.baseUrl(), next.baseUrl()),
                chains("duo", "rejecting/model-a, next/model-b"),
                Map.of("REJECTED_KEY", REJECTED_KEY, "OTHER_KEY", OTHER_KEY));
    }

    /** The provider's entry in {@code /v1/ratelimits}. */
    private JsonNode status(String providerId) {
        for (JsonNode provider : json(gateway.get("/v1/ratelimits")).path("data")) {
            if (provider.path("id").asText().equals(providerId)) {
                return provider;
            }
        }
        throw new AssertionError("no provider " + providerId + " in /v1/ratelimits");
    }

    /** Waits on the condition; the minute only keeps a broken build from hanging, it times nothing. */
    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20));
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
