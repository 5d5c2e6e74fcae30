package io.chain429.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.ProviderConfig.QuotaScope;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.config.Secret;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.ratelimit.EmbeddedProviderState;
import io.chain429.ratelimit.ProviderState;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The checks of every key with the provider's {@code GET /models}, at start-up and then periodically. */
class KeyCheckTest {

    private static final String KEY = "sk-test-check-1234";
    private static final String REJECTED = "{\"error\":{\"message\":\"Invalid API key\",\"code\":\"invalid_api_key\"}}";

    private static Vertx vertx;
    private final EmbeddedProviderState state = new EmbeddedProviderState(Clock.systemUTC());
    private ProviderSimulator simulator;
    private KeyProbe keyProbe;
    private KeyCheck check;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() {
        vertx.close();
    }

    @BeforeEach
    void start() throws Exception {
        simulator = new ProviderSimulator("checked");
    }

    @AfterEach
    void stop() {
        if (check != null) {
            check.close();
        }
        if (keyProbe != null) {
            keyProbe.close();
        }
        simulator.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void aRejectedKeyDisablesItsProviderWhichIsThenProbed(int status) {
        simulator.modelsAlways(Reply.json(status, REJECTED));
        check = checking(Duration.ofHours(6), keyed("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        check.checkAll();

        assertThat(state.disabledReason("sim"))
                .hasValue("the provider answered HTTP " + status + " to its API key (checked with GET /models)");
        assertThat(state.snapshot().disabled()).singleElement()
                .satisfies(disabled -> assertThat(disabled.maskedKey()).isEqualTo("****1234"));
        assertThat(keyProbe.probing("sim")).as("the probe takes over, to re-enable it once the key works").isTrue();
        assertThat(simulator.modelsReceived()).singleElement().satisfies(request -> {
            assertThat(request.path()).isEqualTo("/v1/models");
            assertThat(request.header("Authorization")).isEqualTo("Bearer " + KEY);
        });
        assertThat(simulator.requestCount()).as("no completion asked").isZero();
    }

    @Test
    void aWorkingKeyLeavesItsProviderEnabled() {
        check = checking(Duration.ofHours(6), keyed("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        check.checkAll();

        assertThat(simulator.modelsRequestCount()).isEqualTo(1);
        assertThat(state.disabledReason("sim")).isEmpty();
        assertThat(keyProbe.probing("sim")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 429, 500, 503})
    void anyOtherStatusSaysNothingSureAboutTheKey(int status) {
        simulator.modelsAlways(Reply.json(status, "{\"error\":{\"message\":\"not now\"}}"));
        check = checking(Duration.ofHours(6), keyed("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        check.checkAll();

        assertThat(simulator.modelsRequestCount()).isEqualTo(1);
        assertThat(state.disabledReason("sim")).isEmpty();
    }

    @Test
    void anUnreachableOrSilentProviderStaysEnabledAndTheNextOneIsStillChecked() throws Exception {
        Timeouts quick = new Timeouts(Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(2));
        try (ProviderSimulator silent = new ProviderSimulator("silent")) {
            silent.modelsAlways(Reply.json(200, "{}").after(Duration.ofSeconds(5)));
            check = checking(Duration.ofHours(6),
                    keyed("refusing", "http://127.0.0.1:" + closedPort() + "/v1", quick),
                    keyed("silent", silent.baseUrl(), quick),
                    keyed("rejected", simulator.baseUrl(), quick));
            simulator.modelsAlways(Reply.json(401, REJECTED));

            check.checkAll();

            assertThat(state.disabledReason("refusing")).isEmpty();
            assertThat(state.disabledReason("silent")).isEmpty();
            assertThat(state.disabledReason("rejected")).isPresent();
        }
    }

    @Test
    void providersWithoutAKeyOrAlreadyDisabledAreNotAsked() {
        simulator.modelsAlways(Reply.json(401, REJECTED));
        ProviderConfig keyless = new ProviderConfig("keyless", "openai-compatible", URI.create(simulator.baseUrl()), Optional.empty(),
                QuotaScope.PROVIDER, Limits.NONE, Timeouts.DEFAULT, Optional.empty(), 1);
        ProviderConfig unset = new ProviderConfig("unset", "openai-compatible", URI.create(simulator.baseUrl()), Optional.empty(),
                QuotaScope.PROVIDER, Limits.NONE, Timeouts.DEFAULT, Optional.of("environment variable UNSET_KEY is not set"), 2);
        ProviderConfig demo = new ProviderConfig("demo", "demo", URI.create("demo:local"), Optional.empty(),
                QuotaScope.PROVIDER, Limits.NONE, Timeouts.DEFAULT, Optional.empty(), 3);
        check = checking(Duration.ofHours(6), keyless, unset, demo,
                keyed("by-operator", simulator.baseUrl(), Timeouts.DEFAULT), keyed("rejected-before", simulator.baseUrl(), Timeouts.DEFAULT));
        state.disable("by-operator", "****1234", ProviderState.OPERATOR_REASON);
        state.disable("rejected-before", "****1234", "the provider answered HTTP 401 to its API key");

        check.checkAll();

        assertThat(simulator.modelsRequestCount()).isZero();
        assertThat(state.disabledReason("by-operator")).hasValue(ProviderState.OPERATOR_REASON);
        assertThat(state.disabledReason("rejected-before")).hasValue("the provider answered HTTP 401 to its API key");
        assertThat(state.disabledReason("keyless")).isEmpty();
        assertThat(state.disabledReason("demo")).isEmpty();
        assertThat(keyProbe.probing("by-operator")).as("an operator's decision is not probed away").isFalse();
    }

    @Test
    void startChecksAtOnceThenEveryPeriodAndFindsAKeyRejectedLater() {
        check = checking(Duration.ofMillis(100), keyed("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        check.start();
        eventually().until(() -> simulator.modelsRequestCount() >= 2);
        assertThat(state.disabledReason("sim")).isEmpty();
        simulator.modelsAlways(Reply.json(401, REJECTED));

        eventually().until(() -> state.disabledReason("sim").isPresent());
        assertThat(keyProbe.probing("sim")).isTrue();
    }

    @Test
    void causesAreToldInWords() {
        Timeouts timeouts = new Timeouts(Duration.ofSeconds(5), Duration.ofMillis(1500), Duration.ofSeconds(10),
                Duration.ofSeconds(30), Duration.ofSeconds(300));
        assertThat(KeyCheck.cause(new IOException(new ConnectException("Connection refused: /127.0.0.1:9")), timeouts))
                .isEqualTo("connection refused");
        assertThat(KeyCheck.cause(new UnknownHostException("Failed to resolve 'api.example.invalid'"), timeouts))
                .isEqualTo("host not found");
        assertThat(KeyCheck.cause(new HttpConnectTimeoutException("connect timed out"), timeouts)).isEqualTo("no connection within 5s");
        assertThat(KeyCheck.cause(new HttpTimeoutException("no response headers within 1500 ms"), timeouts))
                .isEqualTo("no answer within 1500ms");
        assertThat(KeyCheck.cause(new IOException(new SSLHandshakeException("PKIX path building failed")), timeouts))
                .isEqualTo("TLS handshake failed");
        assertThat(KeyCheck.cause(new IOException("Connection reset"), timeouts)).isEqualTo("connection failed (IOException)");
    }

    @Test
    void aNegativePeriodIsRefused() {
        keyProbe = new KeyProbe(state, registry(), Duration.ofHours(1), Duration.ofHours(1));
        assertThatIllegalArgumentException().isThrownBy(() -> new KeyCheck(state, registry(), keyProbe, Duration.ofSeconds(-1)));
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    /** Waits on the condition; the minute only keeps a broken build from hanging, it times nothing. */
    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20));
    }

    /** The probe's first try an hour away: what it is asked to do shows, nothing it does interferes. */
    private KeyCheck checking(Duration every, ProviderConfig... providers) {
        ProviderRegistry registry = registry(providers);
        keyProbe = new KeyProbe(state, registry, Duration.ofHours(1), Duration.ofHours(1));
        return new KeyCheck(state, registry, keyProbe, every);
    }

    private static ProviderRegistry registry(ProviderConfig... providers) {
        GatewayConfig config = new GatewayConfig(GatewayConfig.Settings.DEFAULT, List.of(providers), List.of(), "429chain.yaml");
        return new ProviderRegistry(config, AdapterRegistry.builtIn(), new ProviderClients(vertx, 4));
    }

    private static ProviderConfig keyed(String id, String baseUrl, Timeouts timeouts) {
        return new ProviderConfig(id, "openai-compatible", URI.create(baseUrl), Optional.of(Secret.of(KEY)),
                QuotaScope.PROVIDER, Limits.NONE, timeouts, Optional.empty(), 1);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
