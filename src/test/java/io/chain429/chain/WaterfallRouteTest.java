package io.chain429.chain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ClientConfig;
import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.ProviderConfig.QuotaScope;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.core.ChatRequest;
import io.chain429.core.CommitMode;
import io.chain429.core.Json;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.provider.AdapterRegistry;
import io.chain429.provider.KeyProbe;
import io.chain429.provider.ProviderClients;
import io.chain429.provider.ProviderRegistry;
import io.chain429.provider.TotalTimeoutException;
import io.chain429.provider.UpstreamResponse;
import io.chain429.ratelimit.EmbeddedProviderState;
import io.chain429.ratelimit.ManualClock;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.StepBreakers;
import io.vertx.core.Vertx;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.processor.DelegateSyncProcessor;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The waterfall as the Camel routes of {@code routes/waterfall.camel.yaml} run it, with 429chain's own processors
 * around a scripted provider call, on an injected clock: every wait moves the clock instead of sleeping, so each case
 * runs in milliseconds and says exactly how long the waterfall waited.
 */
class WaterfallRouteTest extends CamelTestSupport {

    private static final ChainPolicy NO_RETRIES = policy(0, Duration.ofSeconds(3), Duration.ZERO);

    private static final Instant START = Instant.parse("2026-12-07T10:00:00Z");
    private static Vertx vertx;

    private final ManualClock clock = new ManualClock(START);
    private final EmbeddedProviderState state = new EmbeddedProviderState(clock);
    private final StepBreakers breakers = new StepBreakers(GatewayConfig.Circuit.DEFAULT, Duration.ofSeconds(30), clock, null);
    private final Availability availability = new Availability(state);
    private final GatewayConfig config = new GatewayConfig(GatewayConfig.Settings.DEFAULT,
            List.of(provider("first"), provider("second")), List.<ClientConfig>of(), "429chain.yaml");
    private final ProviderRegistry providers = new ProviderRegistry(config, AdapterRegistry.builtIn(), new ProviderClients(vertx, 4));
    private final KeyProbe keyProbe = new KeyProbe(state, providers);
    /** What each step answers, in order: an HTTP answer, or the exception its call fails with. */
    private final Map<String, Deque<Object>> script = new HashMap<>();
    private final Map<String, Integer> calls = new HashMap<>();
    /** What a held request's wait does: moves the clock, and in a case that needs it, lets another request arrive. */
    private WaterfallRouter.Pause whileHeld = clock::advance;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() {
        vertx.close();
    }

    @AfterEach
    void closeProbe() {
        keyProbe.close();
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        registry.bind("startWaterfall", new DelegateSyncProcessor(exchange -> { })); // each case builds its Waterfall itself
        registry.bind("waterfallRouter", new WaterfallRouter(state, availability, breakers, duration -> whileHeld.pause(duration)));
        registry.bind("skipUnavailableStep", new SkipUnavailableStep(state, breakers, availability));
        registry.bind("callProvider", new DelegateSyncProcessor(this::scriptedCall));
        registry.bind("classifyOutcome", new ClassifyOutcome(state));
        registry.bind("classifyFailure", new ClassifyFailure());
        registry.bind("recordOutcome", new RecordOutcome(state, config.settings(), breakers, keyProbe));
        registry.bind("leaveEventLoop", new LeaveEventLoop(Runnable::run));
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() throws Exception {
                PluginHelper.getRoutesLoader(getContext())
                        .loadRoutes(ResourceHelper.resolveMandatoryResource(getContext(), "file:routes/waterfall.camel.yaml"));
            }
        };
    }

    @Test
    void aFailingStepPassesTheRequestToTheNextAtOnce() {
        answer("first/a", http(500, "{\"error\":{\"message\":\"boom\"}}"));
        answer("second/b", completion());

        assertThat(run(NO_RETRIES)).containsExactly("first/a http_500 sent", "second/b ok sent");
        assertThat(clock.instant()).as("no wait").isEqualTo(START);
    }

    @Test
    void retriesGoToTheSameStepAfterAQuickFailure() {
        answer("first/a", http(503, ""), completion());

        assertThat(run(policy(1, Duration.ofSeconds(3), Duration.ZERO))).containsExactly("first/a http_503 sent", "first/a ok sent");
    }

    @Test
    void aTimeoutIsNeverRetriedOnTheSameStep() {
        answer("first/a", new HttpTimeoutException("no headers"));
        answer("second/b", completion());

        assertThat(run(policy(2, Duration.ofSeconds(3), Duration.ZERO)))
                .containsExactly("first/a first_byte_timeout sent", "second/b ok sent");
        assertThat(calls.get("first/a")).isEqualTo(1);
    }

    @Test
    void aTotalTimeoutMovesOnToo() {
        answer("first/a", new TotalTimeoutException(300_000));
        answer("second/b", completion());

        assertThat(run(policy(2, Duration.ofSeconds(3), Duration.ZERO))).containsExactly("first/a total_timeout sent", "second/b ok sent");
    }

    @Test
    void aRefusedConnectionSentNothingAndIsNotRetried() {
        answer("first/a", new ConnectException("refused"));
        answer("second/b", completion());

        assertThat(run(policy(2, Duration.ofSeconds(3), Duration.ZERO))).containsExactly("first/a connect_refused not-sent", "second/b ok sent");
    }

    @Test
    void aRateLimitThatResetsWithinRetryWaitIsWaitedOutOnTheSameStep() {
        answer("first/a", http(429, "{}", "retry-after", "2"), completion());

        assertThat(run(policy(1, Duration.ofSeconds(3), Duration.ZERO))).containsExactly("first/a rate_limited sent", "first/a ok sent");
        assertThat(clock.instant()).as("waited the 2 s the provider asked for").isEqualTo(START.plusSeconds(2));
    }

    @Test
    void aRateLimitThatResetsLaterThanRetryWaitMovesOn() {
        answer("first/a", http(429, "{}", "retry-after", "10"));
        answer("second/b", completion());

        assertThat(run(policy(1, Duration.ofSeconds(3), Duration.ZERO))).containsExactly("first/a rate_limited sent", "second/b ok sent");
        assertThat(clock.instant()).isEqualTo(START);
        assertThat(state.cooldown(new QuotaKey("first", "a"))).hasValueSatisfying(c -> assertThat(c.until()).isEqualTo(START.plusSeconds(10)));
    }

    @Test
    void aCoolingStepIsSkippedWithoutARequest() {
        state.coolDown(new QuotaKey("first", "a"), START.plusSeconds(30), "HTTP 429");
        answer("second/b", completion());

        assertThat(run(NO_RETRIES)).containsExactly("first/a cooling_down not-sent", "second/b ok sent");
        assertThat(calls).doesNotContainKey("first/a");
    }

    @Test
    void aDisabledProviderIsSkippedWithoutARequest() {
        state.disable("first", "****1234", "the provider answered HTTP 401 to its API key");
        answer("second/b", completion());

        assertThat(run(NO_RETRIES)).containsExactly("first/a disabled not-sent", "second/b ok sent");
    }

    @Test
    void whenEveryStepCoolsDownWithinMaxWaitTheRequestIsHeldUntilTheEarliestResetThenServed() {
        state.coolDown(new QuotaKey("first", "a"), START.plusSeconds(4), "HTTP 429");
        state.coolDown(new QuotaKey("second", "b"), START.plusSeconds(9), "HTTP 429");
        answer("first/a", completion());

        assertThat(run(policy(0, Duration.ofSeconds(3), Duration.ofSeconds(5))))
                .containsExactly("first/a cooling_down not-sent", "second/b cooling_down not-sent", "first/a ok sent");
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(4));
    }

    @Test
    void aChainHoldsAtMostMaxWaitingRequestsAndAnswersTheOthersAtOnce() {
        state.coolDown(new QuotaKey("first", "a"), START.plusSeconds(4), "HTTP 429");
        state.coolDown(new QuotaKey("second", "b"), START.plusSeconds(9), "HTTP 429");
        answer("first/a", completion());
        ChainPolicy holdsOne = new ChainPolicy(CommitMode.FIRST_EVENT, 0, Duration.ofSeconds(3), Duration.ofSeconds(5), 1);
        List<String> arrivingWhileOneIsHeld = new ArrayList<>();
        whileHeld = duration -> {
            whileHeld = clock::advance;
            arrivingWhileOneIsHeld.addAll(run(holdsOne));
            clock.advance(duration);
        };

        assertThat(run(holdsOne)).containsExactly("first/a cooling_down not-sent", "second/b cooling_down not-sent", "first/a ok sent");
        assertThat(arrivingWhileOneIsHeld).as("not held: maxWaiting 1 is taken")
                .containsExactly("first/a cooling_down not-sent", "second/b cooling_down not-sent");
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(4));
    }

    @Test
    void aResetBeyondMaxWaitIsNotWaitedFor() {
        state.coolDown(new QuotaKey("first", "a"), START.plusSeconds(60), "HTTP 429");
        state.coolDown(new QuotaKey("second", "b"), START.plusSeconds(60), "HTTP 429");

        assertThat(run(policy(0, Duration.ofSeconds(3), Duration.ofSeconds(5))))
                .containsExactly("first/a cooling_down not-sent", "second/b cooling_down not-sent");
        assertThat(clock.instant()).isEqualTo(START);
    }

    @Test
    void theBreakerOpensRestsGivesOneTrialAndClosesOnItsSuccess() {
        for (int i = 0; i < 5; i++) {
            answer("first/a", http(502, ""));
            answer("second/b", completion());
            run(NO_RETRIES);
        }
        answer("second/b", completion());
        assertThat(run(NO_RETRIES)).as("open").containsExactly("first/a circuit_open not-sent", "second/b ok sent");

        clock.advance(Duration.ofMillis(5_001));
        answer("first/a", completion());
        assertThat(run(NO_RETRIES)).as("its trial after the rest").containsExactly("first/a ok sent");
        assertThat(breakers.view(new Step("first", "a")).state()).isEqualTo("closed");
    }

    @Test
    void whenOnlyOpenCircuitsAreLeftTheEarliestOpenedServesAsItsTrial() {
        for (Step step : List.of(new Step("first", "a"), new Step("second", "b"))) {
            for (int i = 0; i < 5; i++) {
                breakers.tryAcquire(step);
                breakers.failed(step, Reason.http(500, "server error"));
            }
            clock.advance(Duration.ofMillis(100));
        }
        answer("first/a", completion());

        assertThat(run(NO_RETRIES))
                .containsExactly("first/a circuit_open not-sent", "second/b circuit_open not-sent", "first/a ok sent");
        assertThat(breakers.view(new Step("first", "a")).state()).isEqualTo("closed");
        assertThat(breakers.view(new Step("second", "b")).state()).isEqualTo("open");
    }

    @Test
    void aClientErrorEndsTheWaterfallWithoutTryingOtherSteps() {
        answer("first/a", http(400, "{\"error\":{\"message\":\"messages must not be empty\"}}"));

        assertThat(run(NO_RETRIES)).containsExactly("first/a client_error sent");
    }

    /** Runs a request for the chain "first/a, second/b" through direct:waterfall; returns "step reason sent|not-sent" per attempt. */
    private List<String> run(ChainPolicy policy) {
        ObjectNode body = Json.object().put("model", "duo");
        body.putArray("messages").addObject().put("role", "user").put("content", "hi");
        Waterfall waterfall = new Waterfall("duo", List.of(new Step("first", "a"), new Step("second", "b")), policy,
                new ChatRequest(body, "duo", false, System.nanoTime()), providers.snapshot());
        Exchange done = template.send("direct:waterfall", exchange -> exchange.setProperty(Waterfall.PROPERTY, waterfall));
        assertThat(done.getException()).isNull();
        List<String> attempts = new ArrayList<>();
        waterfall.attempts().forEach(a -> attempts.add(a.step() + " " + a.outcome().reason().code() + " " + (a.sent() ? "sent" : "not-sent")));
        return attempts;
    }

    private void scriptedCall(Exchange exchange) throws Exception {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        String step = waterfall.currentStep().toString();
        calls.merge(step, 1, Integer::sum);
        Deque<Object> answers = script.get(step);
        Object next = answers == null || answers.isEmpty() ? http(500, "") : answers.poll();
        if (next instanceof Exception failure) {
            throw failure;
        }
        exchange.getMessage().setBody(next);
    }

    private void answer(String step, Object... answers) {
        script.computeIfAbsent(step, s -> new ArrayDeque<>()).addAll(List.of(answers));
    }

    private static ChainPolicy policy(int retries, Duration retryWait, Duration maxWait) {
        return new ChainPolicy(CommitMode.FIRST_EVENT, retries, retryWait, maxWait, 16);
    }

    private static UpstreamResponse completion() {
        return http(200, """
                {"id":"c1","object":"chat.completion","created":1,"model":"m",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""");
    }

    private static UpstreamResponse http(int status, String body, String... headers) {
        Map<String, List<String>> all = new HashMap<>();
        all.put("content-type", List.of("application/json"));
        for (int i = 0; i < headers.length; i += 2) {
            all.put(headers[i], List.of(headers[i + 1]));
        }
        return UpstreamResponse.of(status, all, body.getBytes(StandardCharsets.UTF_8));
    }

    private static ProviderConfig provider(String id) {
        return new ProviderConfig(id, "openai-compatible", URI.create("http://127.0.0.1:9/v1"), Optional.empty(), QuotaScope.MODEL,
                Limits.NONE, Timeouts.DEFAULT, Optional.empty(), 1);
    }
}
