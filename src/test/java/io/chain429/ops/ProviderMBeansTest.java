package io.chain429.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chain429.config.GatewayConfig;
import io.chain429.config.GatewayConfig.Circuit;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.ProviderConfig.QuotaScope;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.config.Secret;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.provider.AdapterRegistry;
import io.chain429.provider.KeyProbe;
import io.chain429.provider.ProviderClients;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.EmbeddedProviderState;
import io.chain429.ratelimit.LimitObservation;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.StepBreakers;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The providers and quota keys as MBeans, read and operated through an MBean server as a JMX client would. */
class ProviderMBeansTest {

    private static final String KEY = "gsk_live_0123456789abcdefWXYZ";
    private static final Duration NO_BACKGROUND_REFRESH = Duration.ZERO;
    private static final StepBreakers NO_CIRCUITS = new StepBreakers(Circuit.DEFAULT, Duration.ofSeconds(30), Clock.systemUTC(), null);

    private final EmbeddedProviderState state = new EmbeddedProviderState(Clock.systemUTC());
    private final Vertx vertx = Vertx.vertx();
    private final ProviderRegistry registry = new ProviderRegistry(new GatewayConfig(GatewayConfig.Settings.DEFAULT,
            List.of(provider("fast", QuotaScope.MODEL, Optional.of(Secret.of(KEY)), Optional.empty(),
                            new Limits(30, 14400, 6000, null, 2, null)),
                    provider("whole", QuotaScope.PROVIDER, Optional.of(Secret.of("short")), Optional.empty(), Limits.NONE),
                    provider("nokey", QuotaScope.PROVIDER, Optional.empty(),
                            Optional.of("its key variable GROQ_KEY is not set"), Limits.NONE)),
            List.of(), "429chain.yaml"), AdapterRegistry.builtIn(), new ProviderClients(vertx, 4));
    /** Never probes within a test: the first probe would come after an hour. */
    private final KeyProbe keyProbe = new KeyProbe(state, registry, Duration.ofHours(1), Duration.ofHours(1));
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private final List<ProviderMBeans> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(ProviderMBeans::close);
        keyProbe.close();
        vertx.close();
    }

    @Test
    void oneMBeanPerConfiguredProviderWithItsConfiguration() throws Exception {
        start();

        assertThat(names("io.chain429:type=Provider,*")).containsExactlyInAnyOrder(
                "io.chain429:type=Provider,name=fast", "io.chain429:type=Provider,name=whole",
                "io.chain429:type=Provider,name=nokey");
        ObjectName fast = ProviderMBeans.providerName("fast");
        assertThat(server.getAttribute(fast, "Id")).isEqualTo("fast");
        assertThat(server.getAttribute(fast, "Type")).isEqualTo("openai-compatible");
        assertThat(server.getAttribute(fast, "Status")).isEqualTo("available");
        assertThat(server.getAttribute(fast, "DisabledReason")).isNull();
        assertThat(server.getAttribute(fast, "KeyMasked")).isEqualTo("****WXYZ");
        assertThat(server.getAttribute(ProviderMBeans.providerName("whole"), "KeyMasked")).isEqualTo("****");
        assertThat(server.getAttribute(ProviderMBeans.providerName("nokey"), "KeyMasked")).isEqualTo("none");
        assertThat(server.getAttribute(fast, "QuotaScope")).isEqualTo("model");
        assertThat(server.getAttribute(fast, "ConfiguredLimits")).isEqualTo("rpm=30 rpd=14400 tpm=6000 concurrency=2");
        assertThat(server.getAttribute(ProviderMBeans.providerName("whole"), "ConfiguredLimits")).isEqualTo("none");
        assertThat((String[]) server.getAttribute(fast, "OpenCircuits")).isEmpty();
        assertThat(server.getAttribute(fast, "LastError")).isNull();
        assertThat(server.getAttribute(fast, "LastErrorTime")).isNull();
        assertThat(server.getAttribute(fast, "RequestsToday")).isEqualTo(0L);
        assertThat(server.getAttribute(fast, "TokensToday")).isEqualTo(0L);
        assertThat(names("io.chain429:type=QuotaKey,*")).as("no traffic yet").isEmpty();
    }

    @Test
    void theConsoleGetsDescriptionsAndOperationsAreActions() throws Exception {
        start();

        var info = server.getMBeanInfo(ProviderMBeans.providerName("fast"));

        assertThat(info.getDescription()).contains("provider");
        assertThat(Arrays.stream(info.getAttributes()).filter(a -> a.getName().equals("Status"))
                .map(MBeanAttributeInfo::getDescription).findFirst()).hasValueSatisfying(d -> assertThat(d).contains("cooling"));
        assertThat(Arrays.stream(info.getOperations()).map(MBeanOperationInfo::getName))
                .containsExactlyInAnyOrder("resetCooldowns", "disable", "enable", "probeNow", "closeCircuits");
        assertThat(info.getOperations()).allSatisfy(op -> assertThat(op.getImpact()).isEqualTo(MBeanOperationInfo.ACTION));
    }

    @Test
    void quotaKeysAppearAtTheNextRefreshWithQuotedBuckets() throws Exception {
        ProviderMBeans mbeans = start();
        admitAndSettle(new QuotaKey("fast", "llama-3.1-8b"), 100);
        admitAndSettle(new QuotaKey("fast", "meta-llama/llama-3.3-70b:free"), 10);
        state.coolDown(new QuotaKey("whole", "*"), Instant.now().plusSeconds(600), "HTTP 402");
        state.coolDown(new QuotaKey("ghost", "*"), Instant.now().plusSeconds(600), "a provider no longer configured");

        assertThat(names("io.chain429:type=QuotaKey,*")).isEmpty();
        mbeans.refresh();

        assertThat(names("io.chain429:type=QuotaKey,*")).containsExactlyInAnyOrder(
                "io.chain429:type=QuotaKey,provider=fast,bucket=llama-3.1-8b",
                "io.chain429:type=QuotaKey,provider=fast,bucket=\"meta-llama/llama-3.3-70b:free\"",
                "io.chain429:type=QuotaKey,provider=whole,bucket=\"\\*\"");
        ObjectName quoted = ProviderMBeans.quotaKeyName(new QuotaKey("fast", "meta-llama/llama-3.3-70b:free"));
        assertThat(ObjectName.unquote(quoted.getKeyProperty("bucket"))).isEqualTo("meta-llama/llama-3.3-70b:free");
        assertThat(server.getAttribute(quoted, "Bucket")).isEqualTo("meta-llama/llama-3.3-70b:free");
        assertThat(server.getAttribute(quoted, "Provider")).isEqualTo("fast");
        assertThat(ProviderMBeans.quotaKeyName(new QuotaKey("whole", "*")).isPattern()).isFalse();

        mbeans.refresh(); // again: nothing changes, nothing fails
        assertThat(names("io.chain429:type=QuotaKey,*")).hasSize(3);
    }

    @Test
    void aProviderCoolsDownAndAnOperatorEndsEveryCooldownOfIt() throws Exception {
        ProviderMBeans mbeans = start();
        ObjectName fast = ProviderMBeans.providerName("fast");
        QuotaKey a = new QuotaKey("fast", "model-a");
        QuotaKey b = new QuotaKey("fast", "model-b");
        Instant until = Instant.now().plusSeconds(3600);
        state.coolDown(a, until, "HTTP 429");
        state.coolDown(b, until, "HTTP 429 without a reset hint: default cooldown");
        mbeans.refresh();

        assertThat(server.getAttribute(fast, "Status")).isEqualTo("cooling");
        assertThat((String[]) server.getAttribute(fast, "CoolingBuckets")).containsExactlyInAnyOrder("model-a", "model-b");
        ObjectName keyA = ProviderMBeans.quotaKeyName(a);
        assertThat(server.getAttribute(keyA, "CooldownUntil")).isEqualTo(until.toString());
        assertThat(server.getAttribute(keyA, "CooldownReason")).isEqualTo("HTTP 429");

        Object result = server.invoke(fast, "resetCooldowns", new Object[0], new String[0]);

        assertThat(result).asString().startsWith("ended 2 cooldown(s)");
        assertThat(server.getAttribute(fast, "Status")).isEqualTo("available");
        assertThat(state.cooldown(a)).isEmpty();
        assertThat(state.cooldown(b)).isEmpty();
        assertThat(server.getAttribute(keyA, "CooldownUntil")).isNull();
        assertThat(server.getAttribute(keyA, "CooldownReason")).isNull();
        assertThat(server.invoke(fast, "resetCooldowns", new Object[0], new String[0])).isEqualTo("no cooldown in force");
    }

    @Test
    void anOperatorEndsTheCooldownOfOneQuotaKey() throws Exception {
        ProviderMBeans mbeans = start();
        QuotaKey a = new QuotaKey("fast", "model-a");
        QuotaKey b = new QuotaKey("fast", "model-b");
        state.coolDown(a, Instant.now().plusSeconds(3600), "HTTP 429");
        state.coolDown(b, Instant.now().plusSeconds(3600), "HTTP 429");
        mbeans.refresh();

        Object result = server.invoke(ProviderMBeans.quotaKeyName(a), "resetCooldown", new Object[0], new String[0]);

        assertThat(result).asString().startsWith("cooldown ended");
        assertThat(state.cooldown(a)).isEmpty();
        assertThat(state.cooldown(b)).as("its sibling still cools down").isPresent();
        assertThat(server.getAttribute(ProviderMBeans.providerName("fast"), "Status")).isEqualTo("cooling");
    }

    @Test
    void countsAreSummedOverTheProvidersKeysAndDimensionsReadAsText() throws Exception {
        ProviderMBeans mbeans = start();
        QuotaKey a = new QuotaKey("fast", "model-a");
        QuotaKey b = new QuotaKey("fast", "model-b");
        admitAndSettle(a, 100);
        admitAndSettle(a, 50);
        admitAndSettle(b, 7);
        ProviderState.Admitted open = (ProviderState.Admitted) state.admit(b, Limits.NONE, 20);
        Instant now = Instant.now();
        Instant reset = now.plusSeconds(42);
        state.observe(a, List.of(
                new LimitObservation(Dimension.TPM, OptionalLong.of(6000), OptionalLong.of(0), Optional.of(reset), now),
                new LimitObservation(Dimension.RPD, OptionalLong.of(14400), OptionalLong.empty(), Optional.empty(), now)));
        mbeans.refresh();

        ObjectName fast = ProviderMBeans.providerName("fast");
        assertThat(server.getAttribute(fast, "RequestsToday")).isEqualTo(4L);
        assertThat(server.getAttribute(fast, "TokensToday")).isEqualTo(157L);
        assertThat(server.getAttribute(fast, "InFlight")).isEqualTo(1);
        ObjectName keyA = ProviderMBeans.quotaKeyName(a);
        assertThat(server.getAttribute(keyA, "RequestsToday")).isEqualTo(2L);
        assertThat(server.getAttribute(keyA, "TokensToday")).isEqualTo(150L);
        assertThat(server.getAttribute(keyA, "InFlight")).isEqualTo(0);
        assertThat(server.getAttribute(ProviderMBeans.quotaKeyName(b), "InFlight")).isEqualTo(1);
        assertThat((String[]) server.getAttribute(keyA, "Dimensions")).containsExactlyInAnyOrder(
                "tokens/minute remaining=0 of 6000 resets " + reset,
                "requests/day remaining=? of 14400");
        assertThat(server.getAttribute(keyA, "CooldownUntil")).as("tokens used up: cooled down until the reset")
                .isEqualTo(reset.toString());

        state.settle(open.reservation(), 30);
        assertThat(server.getAttribute(fast, "InFlight")).as("read live, not copied").isEqualTo(0);
        assertThat(server.getAttribute(fast, "TokensToday")).isEqualTo(187L);
    }

    @Test
    void anOperatorDisablesAndEnablesAProvider() throws Exception {
        start();
        ObjectName fast = ProviderMBeans.providerName("fast");

        assertThat(server.invoke(fast, "disable", new Object[0], new String[0])).isEqualTo("disabled");

        assertThat(server.getAttribute(fast, "Status")).isEqualTo("disabled");
        assertThat(server.getAttribute(fast, "DisabledReason")).isEqualTo("disabled by an operator");
        assertThat(state.disabledReason("fast")).hasValue("disabled by an operator");
        assertThat(state.snapshot().disabled()).singleElement()
                .satisfies(d -> assertThat(d.maskedKey()).isEqualTo(Secret.of(KEY).masked()));
        assertThat(keyProbe.probing("fast")).as("an operator's decision is not undone by a probe").isFalse();
        assertThat(server.invoke(fast, "disable", new Object[0], new String[0])).asString().startsWith("already disabled");

        assertThat(server.invoke(fast, "enable", new Object[0], new String[0])).isEqualTo("enabled");

        assertThat(server.getAttribute(fast, "Status")).isEqualTo("available");
        assertThat(server.getAttribute(fast, "DisabledReason")).isNull();
        assertThat(server.invoke(fast, "enable", new Object[0], new String[0])).isEqualTo("already enabled");
    }

    @Test
    void aProviderDisabledByItsConfigurationCannotBeEnabledFromTheConsole() throws Exception {
        start();
        ObjectName nokey = ProviderMBeans.providerName("nokey");

        assertThat(server.getAttribute(nokey, "Status")).isEqualTo("disabled");
        assertThat(server.getAttribute(nokey, "DisabledReason")).isEqualTo("its key variable GROQ_KEY is not set");
        assertThat(server.invoke(nokey, "enable", new Object[0], new String[0])).asString()
                .startsWith("not enabled: disabled by its configuration");
        assertThat(server.invoke(nokey, "probeNow", new Object[0], new String[0])).asString().startsWith("not probed");
        assertThat(server.getAttribute(nokey, "Status")).isEqualTo("disabled");
    }

    @Test
    void probeNowStartsTheKeyProbeOfADisabledProviderOnce() throws Exception {
        start();
        ObjectName fast = ProviderMBeans.providerName("fast");

        assertThat(server.invoke(fast, "probeNow", new Object[0], new String[0]))
                .isEqualTo("not probed: the provider is not disabled");
        assertThat(keyProbe.probing("fast")).isFalse();

        state.disable("fast", Secret.of(KEY).masked(), "the provider answered HTTP 401 to its API key");
        assertThat(server.getAttribute(fast, "Status")).isEqualTo("disabled");
        assertThat(server.invoke(fast, "probeNow", new Object[0], new String[0])).asString().startsWith("probe scheduled");
        assertThat(keyProbe.probing("fast")).isTrue();
        assertThat(server.invoke(fast, "probeNow", new Object[0], new String[0])).asString()
                .startsWith("a probe is already scheduled");
    }

    @Test
    void closeCircuitsPutsEveryRestingStepOfTheProviderBackAtOnce() throws Exception {
        StepBreakers breakers = new StepBreakers(Circuit.DEFAULT, Duration.ofMinutes(5), Clock.systemUTC(), null);
        start(new ProviderMBeans(registry, state, keyProbe, breakers, server, NO_BACKGROUND_REFRESH));
        ObjectName fast = ProviderMBeans.providerName("fast");
        Step stepA = new Step("fast", "model-a");
        for (int i = 0; i < 5; i++) {
            breakers.failed(stepA, Reason.of(Reason.CONNECT_REFUSED, "refused"));
        }
        assertThat(server.getAttribute(fast, "Status")).isEqualTo("circuit open");

        assertThat(server.invoke(fast, "closeCircuits", new Object[0], new String[0])).isEqualTo("closed the circuit of fast/model-a");

        assertThat(server.getAttribute(fast, "Status")).isEqualTo("available");
        assertThat(breakers.tryAcquire(stepA)).isTrue();
        assertThat(server.invoke(fast, "closeCircuits", new Object[0], new String[0])).isEqualTo("no circuit open");
    }

    @Test
    void disabledWinsOverCoolingWhichWinsOverAnOpenCircuit() throws Exception {
        StepBreakers breakers = new StepBreakers(Circuit.DEFAULT, Duration.ofMinutes(5), Clock.systemUTC(), null);
        Step stepA = new Step("fast", "model-a");
        ProviderMBeans mbeans = start(new ProviderMBeans(registry, state, keyProbe, breakers, server, NO_BACKGROUND_REFRESH));
        ObjectName fast = ProviderMBeans.providerName("fast");
        for (int i = 0; i < 5; i++) {
            breakers.failed(stepA, Reason.http(503, "server error (HTTP 503)"));
        }
        assertThat(breakers.view(stepA).state()).isEqualTo("open");

        assertThat(server.getAttribute(fast, "Status")).isEqualTo("circuit open");
        assertThat((String[]) server.getAttribute(fast, "OpenCircuits")).containsExactly("fast/model-a");
        assertThat((String[]) server.getAttribute(fast, "CircuitDetails")).singleElement().asString()
                .startsWith("fast/model-a: circuit open since").contains("5 of 5 attempts failed (http_503 ×5)");
        assertThat(server.getAttribute(ProviderMBeans.providerName("whole"), "Status")).isEqualTo("available");

        state.coolDown(new QuotaKey("fast", "model-b"), Instant.now().plusSeconds(60), "HTTP 429");
        mbeans.refresh();
        assertThat(server.getAttribute(fast, "Status")).isEqualTo("cooling");

        state.disable("fast", "****WXYZ", "the provider answered HTTP 403 to its API key");
        assertThat(server.getAttribute(fast, "Status")).isEqualTo("disabled");
    }

    @Test
    void theLatestFailureIsShownWithItsReasonStepAndTime() throws Exception {
        start();
        ObjectName fast = ProviderMBeans.providerName("fast");
        Instant before = Instant.now();

        state.recordFailure(new Step("fast", "model-a"), Reason.of(Reason.IDLE_TIMEOUT, "the provider sent nothing for 30s mid-stream"));

        assertThat(server.getAttribute(fast, "LastError")).isEqualTo("fast/model-a: idle_timeout: the provider sent nothing for 30s mid-stream");
        assertThat(server.getAttribute(fast, "LastErrorReason")).isEqualTo("idle_timeout");
        assertThat(server.getAttribute(fast, "LastErrorDetail")).isEqualTo("the provider sent nothing for 30s mid-stream");
        assertThat(server.getAttribute(fast, "LastErrorStep")).isEqualTo("fast/model-a");
        assertThat(Instant.parse((String) server.getAttribute(fast, "LastErrorTime"))).isBetween(before, Instant.now());
        assertThat(server.getAttribute(fast, "Status")).as("a failure that cools nothing down").isEqualTo("available");
    }

    @Test
    void theKeyAppearsInNoAttributeOfAnyMBean() throws Exception {
        ProviderMBeans mbeans = start();
        QuotaKey key = new QuotaKey("fast", "model-a");
        admitAndSettle(key, 12);
        state.coolDown(key, Instant.now().plusSeconds(60), "HTTP 429 for key " + KEY);
        state.recordFailure(new Step("fast", "model-a"), Reason.of(Reason.CALL_FAILED, "upstream said: Authorization: Bearer " + KEY));
        state.disable("fast", Secret.of(KEY).masked(), "rejected key " + KEY);
        state.observe(key, List.of(new LimitObservation(Dimension.RPM, OptionalLong.of(30), OptionalLong.of(29),
                Optional.empty(), Instant.now())));
        mbeans.refresh();

        List<String> values = new ArrayList<>();
        for (ObjectName name : server.queryNames(new ObjectName("io.chain429:*"), null)) {
            for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                Object value = server.getAttribute(name, attribute.getName());
                values.add(name + " " + attribute.getName() + "="
                        + (value instanceof Object[] array ? Arrays.deepToString(array) : String.valueOf(value)));
            }
        }

        assertThat(values).hasSizeGreaterThan(30);
        assertThat(values).anySatisfy(v -> assertThat(v).contains("KeyMasked=****WXYZ"));
        assertThat(values).anySatisfy(v -> assertThat(v).contains("LastErrorDetail=upstream said"));
        assertThat(values).anySatisfy(v -> assertThat(v).contains("CooldownReason=HTTP 429 for key"));
        assertThat(values).allSatisfy(v -> assertThat(v).doesNotContain(KEY).doesNotContain(KEY.substring(0, 12)));
    }

    @Test
    void keysAppearInTheBackgroundWithoutARefreshCall() throws Exception {
        start(new ProviderMBeans(registry, state, keyProbe, NO_CIRCUITS, server, Duration.ofMillis(50)));

        state.coolDown(new QuotaKey("whole", "*"), Instant.now().plusSeconds(60), "HTTP 402");

        await().atMost(Duration.ofSeconds(30)).until(() -> names("io.chain429:type=QuotaKey,*").size() == 1);
        assertThat(Thread.getAllStackTraces().keySet()).anySatisfy(thread -> {
            assertThat(thread.getName()).isEqualTo(ProviderMBeans.THREAD_NAME);
            assertThat(thread.isDaemon()).isTrue();
        });
    }

    @Test
    void closeUnregistersEverythingAndStopsRefreshing() throws Exception {
        ProviderMBeans mbeans = start(new ProviderMBeans(registry, state, keyProbe, NO_CIRCUITS, server,
                Duration.ofMillis(20)));
        state.coolDown(new QuotaKey("whole", "*"), Instant.now().plusSeconds(60), "HTTP 402");
        mbeans.refresh();
        assertThat(names("io.chain429:*")).hasSize(4);

        mbeans.close();

        assertThat(names("io.chain429:*")).isEmpty();
        state.coolDown(new QuotaKey("fast", "model-z"), Instant.now().plusSeconds(60), "HTTP 429");
        mbeans.refresh();
        // nothing to wait for: for a while the 20 ms refresh would have had its chances, nothing comes back
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(30)).until(() -> names("io.chain429:*").isEmpty());
        mbeans.close(); // twice is fine
    }

    @Test
    void aNameAlreadyTakenIsLeftToItsOwner() throws Exception {
        ProviderMBeans first = start();
        ProviderMBeans second = start(new ProviderMBeans(registry, state, keyProbe, NO_CIRCUITS, server,
                NO_BACKGROUND_REFRESH));
        assertThat(names("io.chain429:type=Provider,*")).hasSize(3);

        second.close();

        assertThat(names("io.chain429:type=Provider,*")).as("the first one's MBeans stay").hasSize(3);
        first.close();
        assertThat(names("io.chain429:*")).isEmpty();
    }

    @Test
    void byDefaultTheMBeansGoToThePlatformMBeanServer() throws Exception {
        MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
        ObjectName fast = ProviderMBeans.providerName("fast");
        assertThat(platform.isRegistered(fast)).isFalse();
        ProviderMBeans mbeans = new ProviderMBeans(registry, state, keyProbe, NO_CIRCUITS);
        started.add(mbeans);
        mbeans.start();

        assertThat(platform.getAttribute(fast, "Status")).isEqualTo("available");

        mbeans.close();
        assertThat(platform.isRegistered(fast)).isFalse();
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private ProviderMBeans start() {
        return start(new ProviderMBeans(registry, state, keyProbe, NO_CIRCUITS, server, NO_BACKGROUND_REFRESH));
    }

    private ProviderMBeans start(ProviderMBeans mbeans) {
        started.add(mbeans);
        mbeans.start();
        return mbeans;
    }

    private void admitAndSettle(QuotaKey key, long tokens) {
        ProviderState.Admitted admitted = (ProviderState.Admitted) state.admit(key, Limits.NONE, 10);
        state.settle(admitted.reservation(), tokens);
    }

    private Set<String> names(String pattern) {
        try {
            return server.queryNames(new ObjectName(pattern), null).stream().map(ObjectName::toString)
                    .collect(Collectors.toSet());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ProviderConfig provider(String id, QuotaScope scope, Optional<Secret> key,
                                           Optional<String> disabledReason, Limits limits) {
        return new ProviderConfig(id, "openai-compatible", URI.create("http://127.0.0.1:9/v1"), key, scope, limits,
                Timeouts.DEFAULT, disabledReason, 1);
    }
}
