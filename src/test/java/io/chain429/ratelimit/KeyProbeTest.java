package io.chain429.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.ProviderConfig.QuotaScope;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.config.Secret;
import io.chain429.e2e.ProviderSimulator;
import io.chain429.e2e.ProviderSimulator.Reply;
import io.chain429.provider.AdapterRegistry;
import io.chain429.provider.ProviderClients;
import io.chain429.provider.ProviderRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
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

    private ProviderSimulator simulator;
    private Arrivals arrivals;
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
        arrivals = new Arrivals(simulator);
    }

    @AfterEach
    void stop() {
        if (probe != null) {
            probe.close();
        }
        arrivals.close();
        simulator.close();
    }

    @Test
    void aKeyRejectedTwiceThenAcceptedIsEnabledAfterTheThirdProbeWithGrowingGaps() throws Exception {
        simulator.models(Reply.json(401, UNAUTHORIZED), Reply.json(401, UNAUTHORIZED)).modelsAlways(Reply.json(200, MODELS));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        disable("sim");

        assertThat(await(Duration.ofSeconds(5), () -> state.disabledReason("sim").isEmpty())).as("re-enabled").isTrue();
        assertThat(simulator.modelsRequestCount()).isEqualTo(3);
        assertThat(await(Duration.ofSeconds(1), () -> arrivals.count() == 3)).isTrue();
        assertThat(simulator.modelsReceived()).allSatisfy(request -> {
            assertThat(request.path()).isEqualTo("/v1/models");
            assertThat(request.header("Authorization")).isEqualTo("Bearer " + KEY);
        });
        List<Long> gaps = arrivals.gapsMillis();
        assertThat(gaps).hasSize(2);
        // A probe can come late on a loaded machine, never early: lower bounds are exact, upper bounds generous.
        assertThat(gaps.get(0)).as("second probe: twice the initial delay").isBetween(180L, 1200L);
        assertThat(gaps.get(1)).as("third probe: doubled again, reaching the cap").isBetween(380L, 1500L);
        assertThat(probe.probing("sim")).isFalse();

        Thread.sleep(600);
        assertThat(simulator.modelsRequestCount()).as("no probe once the key works").isEqualTo(3);
    }

    @Test
    void disabledTwiceStartsOneChainOfProbes() throws Exception {
        simulator.modelsAlways(Reply.json(401, UNAUTHORIZED));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));
        long started = System.nanoTime();

        disable("sim");
        probe.disabled("sim");
        assertThat(await(Duration.ofSeconds(2), () -> simulator.modelsRequestCount() >= 1)).isTrue();
        probe.disabled("sim"); // between two probes of the chain: still nothing new

        Thread.sleep(Math.max(0, 900 - (System.nanoTime() - started) / 1_000_000));
        // one chain probes at ~100, ~300, ~700 ms (next at ~1100); two chains would have probed about twice as often
        assertThat(simulator.modelsRequestCount()).isBetween(2, 3);
        assertThat(arrivals.gapsMillis()).as("no probes racing each other").allSatisfy(gap -> assertThat(gap).isGreaterThan(150L));
        assertThat(state.disabledReason("sim")).isPresent();
    }

    @Test
    void aKeyThatStaysRejectedStaysDisabledAndTheDelayStopsGrowingAtTheCap() throws Exception {
        simulator.modelsAlways(Reply.json(401, UNAUTHORIZED));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        disable("sim");

        // probes at ~100, 300, 700, 1100, 1500, 1900 ms
        assertThat(await(Duration.ofSeconds(8), () -> arrivals.count() >= 6)).isTrue();
        List<Long> gaps = arrivals.gapsMillis().subList(0, 5);
        assertThat(gaps.get(0)).isGreaterThanOrEqualTo(180L);
        assertThat(gaps.subList(1, 5)).allSatisfy(gap -> assertThat(gap).isGreaterThanOrEqualTo(380L));
        // capped: 200 + 4 x 400 = 1,800 ms; doubling on would take 200 + 400 + 800 + 1,600 + 3,200 = 6,200 ms
        assertThat(gaps.stream().mapToLong(Long::longValue).sum()).as("capped at 400 ms, never 800").isLessThan(4000L);
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

        assertThat(await(Duration.ofSeconds(5), () -> state.disabledReason("sim").isEmpty())).as("re-enabled").isTrue();
        assertThat(simulator.modelsRequestCount()).isEqualTo(2);
    }

    @Test
    void aProviderDisabledAgainAfterItsKeyWorkedIsProbedAgain() throws Exception {
        simulator.modelsAlways(Reply.json(200, MODELS));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        disable("sim");
        assertThat(await(Duration.ofSeconds(3), () -> state.disabledReason("sim").isEmpty())).isTrue();
        disable("sim");
        assertThat(await(Duration.ofSeconds(3), () -> state.disabledReason("sim").isEmpty())).isTrue();

        assertThat(simulator.modelsRequestCount()).isEqualTo(2);
    }

    @Test
    void aProviderEnabledByOtherMeansEndsItsChainWithoutProbing() throws Exception {
        simulator.modelsAlways(Reply.json(401, UNAUTHORIZED));
        probe = start(provider("sim", simulator.baseUrl(), Timeouts.DEFAULT));

        disable("sim");
        state.enable("sim"); // e.g. an operator, or a new key in the configuration

        assertThat(await(Duration.ofSeconds(2), () -> !probe.probing("sim"))).isTrue();
        assertThat(simulator.modelsRequestCount()).isZero();
    }

    @Test
    void theDemoProvidersKeyAlwaysWorks() throws Exception {
        ProviderConfig demo = new ProviderConfig("demo", "demo", URI.create("demo:local"), Optional.empty(),
                QuotaScope.PROVIDER, Limits.NONE, Timeouts.DEFAULT, Optional.empty(), 1);
        probe = start(demo);

        state.disable("demo", "", "HTTP 401");
        probe.disabled("demo");

        assertThat(await(Duration.ofSeconds(3), () -> state.disabledReason("demo").isEmpty())).isTrue();
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

    private static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return condition.getAsBoolean();
    }

    /** When each request reached the simulator, noticed by polling its count every millisecond. */
    private static final class Arrivals implements AutoCloseable {
        private final List<Long> nanos = new ArrayList<>();
        private final Thread watcher;
        private volatile boolean stopped;

        Arrivals(ProviderSimulator simulator) {
            watcher = new Thread(() -> {
                while (!stopped) {
                    int count = simulator.modelsRequestCount();
                    synchronized (nanos) {
                        while (nanos.size() < count) {
                            nanos.add(System.nanoTime());
                        }
                    }
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "key-probe-test-arrivals");
            watcher.setDaemon(true);
            watcher.start();
        }

        int count() {
            synchronized (nanos) {
                return nanos.size();
            }
        }

        List<Long> gapsMillis() {
            synchronized (nanos) {
                List<Long> gaps = new ArrayList<>();
                for (int i = 1; i < nanos.size(); i++) {
                    gaps.add((nanos.get(i) - nanos.get(i - 1)) / 1_000_000);
                }
                return gaps;
            }
        }

        @Override
        public void close() {
            stopped = true;
            watcher.interrupt();
        }
    }
}
