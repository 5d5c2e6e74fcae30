package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chain429.config.ConfigLoader;
import io.chain429.config.GatewayConfig;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.ops.ConsoleCredentials;
import io.chain429.ops.ProviderMBeans;
import io.chain429.provider.AdapterRegistry;
import io.chain429.provider.KeyProbe;
import io.chain429.provider.ProviderClients;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.StepBreakers;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An operator at the console of a running gateway: the provider MBeans over the gateway's own provider state (the
 * {@code providerStateStore} bean), read and operated through the gateway's Hawtio Jolokia after a form login, while
 * real requests go through the gateway.
 *
 * <p>Until {@code Gateway} registers {@link ProviderMBeans} itself, the test registers them; once it does, the
 * test's registration finds the names taken and the gateway's own MBeans answer, over the same state.
 */
class ConsoleOperationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "operator";
    private static final String PASSWORD = "console-ops-s3cret";
    private static final String FIRST_KEY = "sk-console-ops-0123456789abcdefQRST";
    private static final String FIRST = "io.chain429:type=Provider,name=first";

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private ProviderSimulator first;
    private ProviderSimulator second;
    private RunningGateway gateway;
    private HttpClient browser;

    @BeforeEach
    void boot() throws Exception {
        first = new ProviderSimulator("first");
        second = new ProviderSimulator("second");
        String yaml = """
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    apiKey: ${env:CONSOLE_OPS_FIRST_KEY}
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl(), second.baseUrl());
        Map<String, String> env = Map.of(
                "CONSOLE_OPS_FIRST_KEY", FIRST_KEY,
                ConsoleCredentials.USER_VARIABLE, USER,
                ConsoleCredentials.PASSWORD_VARIABLE, PASSWORD);
        gateway = RunningGateway.start(yaml, chains("duo", "first/model-a, second/model-b"), env);

        // the same providers as the gateway's, over the gateway's own state
        Path file = Files.createTempDirectory("console-ops").resolve("429chain.yaml");
        Files.writeString(file, yaml);
        GatewayConfig config = ConfigLoader.load(file, env, AdapterRegistry.builtIn());
        ProviderRegistry providers = new ProviderRegistry(config, AdapterRegistry.builtIn(),
                new ProviderClients(gateway.camelContext().getRegistry().lookupByNameAndType("vertx", Vertx.class), 4));
        ProviderState state = gateway.camelContext().getRegistry()
                .lookupByNameAndType("providerStateStore", ProviderState.class);
        assertThat(state).as("the gateway's provider state").isNotNull();
        KeyProbe keyProbe = new KeyProbe(state, providers, Duration.ofHours(1), Duration.ofHours(1));
        toClose.add(keyProbe);
        ProviderMBeans mbeans = new ProviderMBeans(providers, state, keyProbe, new StepBreakers(GatewayConfig.Circuit.DEFAULT, Duration.ofSeconds(30), Clock.systemUTC(), null));
        mbeans.start();
        toClose.add(mbeans);

        browser = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .cookieHandler(new CookieManager())
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        gateway.close();
        first.close();
        second.close();
    }

    @Test
    void anOperatorSeesAProviderCoolingDownAndEndsItsCooldownFromTheConsole() throws Exception {
        first.then(Reply.json(429, "{}").withHeader("retry-after", "600"));
        HttpResponse<String> answered = gateway.chat("duo");
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        login();

        assertThat(read(FIRST, "Status").asText()).isEqualTo("cooling");
        assertThat(read("io.chain429:type=Provider,name=second", "Status").asText()).isEqualTo("available");
        assertThat(read(FIRST, "KeyMasked").asText()).isEqualTo("****QRST");
        assertThat(read(FIRST, "RequestsToday").asLong()).isEqualTo(1);
        assertThat(read("io.chain429:type=Provider,name=second", "TokensToday").asLong()).isPositive();
        JsonNode keys = awaitQuotaKeys("first");
        assertThat(keys).hasSize(1);
        String firstKey = keys.get(0).asText();
        assertThat(read(firstKey, "CooldownReason").asText()).contains("429");
        assertThat(read(firstKey, "CooldownUntil").asText()).isNotBlank();

        JsonNode reset = jolokia("{\"type\":\"exec\",\"mbean\":\"" + FIRST + "\",\"operation\":\"resetCooldowns()\"}");

        assertThat(reset.asText()).startsWith("ended 1 cooldown(s)");
        assertThat(read(FIRST, "Status").asText()).isEqualTo("available");
        assertThat(read(firstKey, "CooldownUntil").isNull()).isTrue();
        HttpResponse<String> again = gateway.chat("duo");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.headers().firstValue("X-429chain-Provider")).as("first is used again at once")
                .hasValue("first/model-a");
    }

    @Test
    void anOperatorDisablesAProviderAndTheGatewaySkipsItUntilEnabled() throws Exception {
        login();

        assertThat(jolokia("{\"type\":\"exec\",\"mbean\":\"" + FIRST + "\",\"operation\":\"disable()\"}").asText())
                .isEqualTo("disabled");

        assertThat(read(FIRST, "Status").asText()).isEqualTo("disabled");
        assertThat(read(FIRST, "DisabledReason").asText()).isEqualTo("disabled by an operator");
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(first.requestCount()).isZero();

        assertThat(jolokia("{\"type\":\"exec\",\"mbean\":\"" + FIRST + "\",\"operation\":\"enable()\"}").asText())
                .isEqualTo("enabled");

        assertThat(read(FIRST, "Status").asText()).isEqualTo("available");
        assertThat(gateway.chat("duo").headers().firstValue("X-429chain-Provider")).hasValue("first/model-a");
    }

    @Test
    void theKeyIsInNoAttributeTheConsoleCanRead() throws Exception {
        first.then(Reply.json(429, "{}").withHeader("retry-after", "600"));
        gateway.chat("duo");
        login();
        awaitQuotaKeys("first");

        HttpResponse<String> all = post("{\"type\":\"read\",\"mbean\":\"io.chain429:*\"}", true);

        assertThat(all.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(all.body());
        assertThat(body.get("status").asInt()).as(all.body()).isEqualTo(200);
        assertThat(body.get("value").size()).as("2 providers and their quota keys").isGreaterThanOrEqualTo(4);
        assertThat(all.body()).contains("****QRST").doesNotContain(FIRST_KEY).doesNotContain(FIRST_KEY.substring(0, 12));
    }

    @Test
    void withoutLoginNothingIsReadNorOperated() throws Exception {
        first.then(Reply.json(429, "{}").withHeader("retry-after", "600"));
        gateway.chat("duo");

        HttpResponse<String> exec = post("{\"type\":\"exec\",\"mbean\":\"" + FIRST + "\",\"operation\":\"resetCooldowns()\"}", false);
        HttpResponse<String> read = post("{\"type\":\"read\",\"mbean\":\"" + FIRST + "\",\"attribute\":\"Status\"}", false);

        assertThat(exec.statusCode()).isIn(401, 403);
        assertThat(read.statusCode()).isIn(401, 403);
        assertThat(read.body()).doesNotContain("cooling");
        login();
        assertThat(read(FIRST, "Status").asText()).as("the cooldown is still in force").isEqualTo("cooling");
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    /** A new quota key gets its MBean at the next background refresh (every 5 s). */
    private JsonNode awaitQuotaKeys(String provider) throws IOException, InterruptedException {
        String search = "{\"type\":\"search\",\"mbean\":\"io.chain429:type=QuotaKey,provider=" + provider + ",*\"}";
        return await().atMost(Duration.ofSeconds(30)).until(() -> jolokia(search), found -> !found.isEmpty());
    }

    private void login() throws IOException, InterruptedException {
        HttpResponse<String> login = browser.send(HttpRequest.newBuilder(gateway.managementUri("/hawtio/auth/login"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"" + USER + "\",\"password\":\"" + PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
    }

    private JsonNode read(String mbean, String attribute) throws IOException, InterruptedException {
        return jolokia("{\"type\":\"read\",\"mbean\":" + JSON.writeValueAsString(mbean)
                + ",\"attribute\":\"" + attribute + "\"}");
    }

    /** The value of a Jolokia request that must succeed. */
    private JsonNode jolokia(String request) throws IOException, InterruptedException {
        HttpResponse<String> response = post(request, true);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("status").asInt()).as(request + " -> " + response.body()).isEqualTo(200);
        return body.get("value");
    }

    private HttpResponse<String> post(String request, boolean loggedIn) throws IOException, InterruptedException {
        HttpClient client = loggedIn ? browser : HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        URI uri = gateway.managementUri("/hawtio/jolokia/");
        return client.send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
