package io.chain429.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.ProviderConfig.QuotaScope;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.config.Secret;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Received;
import io.chain429.e2e.simulator.Reply;
import io.chain429.ratelimit.EmbeddedProviderState;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The background probe that re-enables a provider once its rejected key works again. */
class KeyProbeTest {

    private static final String KEY = "sk-test-probe-1234";
    private static final String MODELS = "{\"object\":\"list\",\"data\":[{\"id\":\"model-a\",\"object\":\"model\"}]}";
    private static final String UNAUTHORIZED =
            "{\"error\":{\"message\":\"Invalid API key\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}";
    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofMillis(400);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ProviderSimulator simulator;
    private ScheduledDelays delays;
    private final EmbeddedProviderState state = new EmbeddedProviderState(Clock.systemUTC());
    private static Vertx vertx;
    private KeyProbe probe;

    /**
     * In the gateway, Vert.x and Netty are warm from serving clients before any probe; in a fresh test JVM the first
     * call pays their start-up (about half a second on a loaded machine), which would shift the schedules timed here.
     */
    @BeforeAll
    static void warmUp() throws Exception {
        vertx = Vertx.vertx();
        try (ProviderSimulator warm = new ProviderSimulator("warm-up")) {
            new ProviderClients(vertx, 1).client(Timeouts.DEFAULT).get(URI.create(warm.baseUrl() + "/models"), Optional.empty());
        }
    }

    @AfterAll
    static void closeVertx() {
        vertx.close();
    }

    @BeforeEach
    void start() throws Exception {
        simulator = new ProviderSimulator("probed");
        delays = new ScheduledDelays();
    }

    @AfterEach
    void stop() {
        if (probe != null) {
            probe.close();
        }
        delays.close();
        simulator.close();
    }

    @Test
    void aKeyRejectedTwiceThenAcceptedIsEnabledAfterTheThirdProbeWithGrowingGaps() throws Exception {
        simulator.models(Reply.json(401, UNAUTHORIZED), Reply.json(401, UNAUTHORIZED)).modelsAlways(Reply.json(200, MODELS));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        disable("sim");

        await("re-enabled").atMost(WAIT).until(() -> state.disabledReason("sim").isEmpty());
        assertThat(simulator.modelsRequestCount()).isEqualTo(3);
        assertThat(simulator.modelsReceived()).allSatisfy(request -> {
            assertThat(request.path()).isEqualTo("/v1/models");
            assertThat(request.header("Authorization")).isEqualTo("Bearer " + KEY);
        });
        List<Long> gaps = arrivalGapsMillis();
        assertThat(gaps).hasSize(2);
        assertThat(delays.list()).as("second probe: twice the initial delay; third: doubled again, reaching the cap")
                .containsExactly(Duration.ofMillis(200), MAX);
        // A probe can come late on a loaded machine, never early: the gaps are at least those delays.
        assertThat(gaps.get(0)).isGreaterThanOrEqualTo(180L);
        assertThat(gaps.get(1)).isGreaterThanOrEqualTo(380L);
        assertThat(probe.probing("sim")).isFalse();

        // for longer than the capped delay: nothing comes
        await().during(Duration.ofMillis(600)).atMost(WAIT)
                .until(() -> simulator.modelsRequestCount() == 3);
    }

    @Test
    void disabledTwiceStartsOneChainOfProbes() throws Exception {
        simulator.modelsAlways(Reply.json(401, UNAUTHORIZED));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        disable("sim");
        probe.disabled("sim");
        await().atMost(WAIT).until(() -> simulator.modelsRequestCount() >= 1);
        probe.disabled("sim"); // between two probes of the chain: still nothing new

        await().atMost(WAIT).until(() -> simulator.modelsRequestCount() >= 3 && delays.list().size() >= 2);
        // one chain waits 100, 200, 400 ms between its probes; two chains would each have waited 100 then 200 ms
        assertThat(delays.list().subList(0, 2)).as("one chain of delays").containsExactly(Duration.ofMillis(200), MAX);
        assertThat(arrivalGapsMillis().subList(0, 2)).as("no probes racing each other").allSatisfy(gap -> assertThat(gap).isGreaterThan(150L));
        assertThat(state.disabledReason("sim")).isPresent();
    }

    @Test
    void aKeyThatStaysRejectedStaysDisabledAndTheDelayStopsGrowingAtTheCap() throws Exception {
        simulator.modelsAlways(Reply.json(401, UNAUTHORIZED));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        disable("sim");

        // probes at ~100, 300, 700, 1100, 1500, 1900 ms
        await().atMost(WAIT).until(() -> simulator.modelsRequestCount() >= 6 && delays.list().size() >= 5);
        List<Long> gaps = arrivalGapsMillis().subList(0, 5);
        assertThat(gaps.get(0)).isGreaterThanOrEqualTo(180L);
        assertThat(gaps.subList(1, 5)).allSatisfy(gap -> assertThat(gap).isGreaterThanOrEqualTo(380L));
        assertThat(delays.list().subList(0, 5)).as("capped at 400 ms, never 800")
                .containsExactly(Duration.ofMillis(200), MAX, MAX, MAX, MAX);
        assertThat(state.disabledReason("sim")).hasValue("HTTP 401");
        assertThat(probe.probing("sim")).isTrue();
    }

    @Test
    void aProbeThatTimesOutCountsAsFailedAndTheChainGoesOn() throws Exception {
        Timeouts quick = new Timeouts(Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(2));
        simulator.models(Reply.json(200, MODELS).after(Duration.ofSeconds(2))).modelsAlways(Reply.json(200, MODELS));
        probe = start(provider("sim", simulator.baseUrl(), quick));

        disable("sim");

        await("re-enabled").atMost(WAIT).until(() -> state.disabledReason("sim").isEmpty());
        assertThat(simulator.modelsRequestCount()).isEqualTo(2);
    }

    @Test
    void aProviderDisabledAgainAfterItsKeyWorkedIsProbedAgain() throws Exception {
        simulator.modelsAlways(Reply.json(200, MODELS));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        disable("sim");
        await().atMost(WAIT).until(() -> state.disabledReason("sim").isEmpty());
        disable("sim");
        await().atMost(WAIT).until(() -> state.disabledReason("sim").isEmpty());

        assertThat(simulator.modelsRequestCount()).isEqualTo(2);
    }

    @Test
    void aProviderEnabledByOtherMeansEndsItsChainWithoutProbing() throws Exception {
        simulator.modelsAlways(Reply.json(401, UNAUTHORIZED));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        disable("sim");
        state.enable("sim"); // e.g. an operator, or a new key in the configuration

        await().atMost(WAIT).until(() -> !probe.probing("sim"));
        assertThat(simulator.modelsRequestCount()).isZero();
    }

    @Test
    void theDemoProvidersKeyAlwaysWorks() throws Exception {
        ProviderConfig demo = new ProviderConfig("demo", "demo", URI.create("demo:local"), Optional.empty(),
                QuotaScope.PROVIDER, Limits.NONE, Timeouts.DEFAULT, Optional.empty(), 1);
        probe = start(demo);

        state.disable("demo", "", "HTTP 401");
        probe.disabled("demo");

        await().atMost(WAIT).until(() -> state.disabledReason("demo").isEmpty());
    }

    @Test
    void eachDelayIsTwiceThePreviousCappedAtTheMaximum() {
        Duration max = Duration.ofHours(1);
        assertThat(KeyProbe.nextDelay(Duration.ofMinutes(1), max)).isEqualTo(Duration.ofMinutes(2));
        assertThat(KeyProbe.nextDelay(Duration.ofMinutes(32), max)).isEqualTo(max);
        assertThat(KeyProbe.nextDelay(max, max)).isEqualTo(max);
        assertThat(KeyProbe.nextDelay(INITIAL, MAX)).isEqualTo(Duration.ofMillis(200));
        assertThat(KeyProbe.nextDelay(Duration.ofMillis(200), MAX)).isEqualTo(MAX);
        assertThat(KeyProbe.nextDelay(Duration.ofMillis(300), MAX)).isEqualTo(MAX);
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private void disable(String providerId) {
        state.disable(providerId, Secret.of(KEY).masked(), "HTTP 401");
        probe.disabled(providerId);
    }

    private KeyProbe start(ProviderConfig provider) {
        GatewayConfig config = new GatewayConfig(GatewayConfig.Settings.DEFAULT, List.of(provider), List.of(), "429chain.yaml");
        return new KeyProbe(state, new ProviderRegistry(config, AdapterRegistry.builtIn(), new ProviderClients(vertx, 4)), INITIAL, MAX);
    }

    private static ProviderConfig provider(String id, String baseUrl, Timeouts timeouts) {
        return new ProviderConfig(id, "openai-compatible", URI.create(baseUrl), Optional.of(Secret.of(KEY)),
                QuotaScope.PROVIDER, Limits.NONE, timeouts, Optional.empty(), 1);
    }

    /** The delays the probe chose after failed probes, as it logs them at debug level: what it meant, not when it ran. */
    private static final class ScheduledDelays implements AutoCloseable {
        private static final String LOGGER = KeyProbe.class.getName();
        private static final Pattern NEXT = Pattern.compile("next probe in (PT\\S+)$");
        private final List<Duration> delays = new CopyOnWriteArrayList<>();
        private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
        private final AbstractAppender appender = new AbstractAppender("key-probe-delays", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                Matcher next = NEXT.matcher(event.getMessage().getFormattedMessage());
                if (next.find()) {
                    delays.add(Duration.parse(next.group(1)));
                }
            }
        };

        ScheduledDelays() {
            appender.start();
            LoggerConfig config = new LoggerConfig(LOGGER, Level.DEBUG, true);
            config.addAppender(appender, Level.DEBUG, null);
            context.getConfiguration().addLogger(LOGGER, config);
            context.updateLoggers();
        }

        List<Duration> list() {
            return List.copyOf(delays);
        }

        @Override
        public void close() {
            context.getConfiguration().removeLogger(LOGGER);
            context.updateLoggers();
            appender.stop();
        }
    }

    /** The gaps between the probes' arrivals at the simulator, in ms. */
    private List<Long> arrivalGapsMillis() {
        List<Received> arrived = simulator.modelsReceived();
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < arrived.size(); i++) {
            gaps.add((arrived.get(i).arrivedNanos() - arrived.get(i - 1).arrivedNanos()) / 1_000_000);
        }
        return gaps;
    }
}
