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
import io.chain429.core.Step;
import io.chain429.provider.AdapterRegistry;
import io.chain429.provider.KeyProbe;
import io.chain429.provider.ProviderClients;
import io.chain429.provider.ProviderRegistry;
import io.chain429.provider.UpstreamResponse;
import io.chain429.provider.UpstreamStream;
import io.chain429.ratelimit.EmbeddedProviderState;
import io.chain429.ratelimit.ManualClock;
import io.chain429.ratelimit.StepBreakers;
import io.chain429.sse.ManualStreamThread;
import io.chain429.sse.SseSource;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A stream's first-token, idle and total timeouts, as the commit gate applies them before anything reaches the client,
 * through the Camel routes of {@code routes/waterfall.camel.yaml}. The first step streams by a script on a
 * {@link ManualStreamThread}: the test moves its clock from one event to the next, so a timeout trips at the exact
 * moment its setting says, and the case also tells when the gate decided. The second step answers at once.
 */
class StreamTimeoutsRouteTest extends CamelTestSupport {

    private static final Instant START = Instant.parse("2026-12-07T10:00:00Z");
    /** firstToken 2 s, idle 1 s, total 5 s (connect and firstByte play no part: the headers are in). */
    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30),
            Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5));
    private static final Step FIRST = new Step("first", "a");
    private static Vertx vertx;

    private final ManualClock clock = new ManualClock(START);
    private final EmbeddedProviderState state = new EmbeddedProviderState(clock);
    private final StepBreakers breakers = new StepBreakers(GatewayConfig.Circuit.DEFAULT, Duration.ofSeconds(30), clock, null);
    private final Availability availability = new Availability(state);
    private final GatewayConfig config = new GatewayConfig(GatewayConfig.Settings.DEFAULT,
            List.of(provider("first"), provider("second")), List.<ClientConfig>of(), "429chain.yaml");
    private final ProviderRegistry providers = new ProviderRegistry(config, AdapterRegistry.builtIn(), new ProviderClients(vertx, 4));
    private final KeyProbe keyProbe = new KeyProbe(state, providers);
    private final ManualStreamThread thread = new ManualStreamThread();
    private List<Beat> firstStepStream;
    private Duration decidedAfter;

    /** What the scripted stream sends {@code at} after its headers (an event, a comment); null ends the body. */
    record Beat(Duration at, String sse) {
    }

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
        registry.bind("startWaterfall", new DelegateSyncProcessor(exchange -> { }));
        registry.bind("waterfallRouter", new WaterfallRouter(state, availability, breakers, clock::advance));
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

    static Stream<Arguments> streams() {
        return Stream.of(
                Arguments.of("only keep-alive comments within firstToken", CommitMode.FIRST_EVENT,
                        List.of(beat(500, comment()), beat(1_000, comment()), beat(1_500, comment()), beat(2_500, comment())),
                        List.of("first/a first_token_timeout sent", "second/b ok sent"), Duration.ofSeconds(2)),
                Arguments.of("only keep-alive comments within firstToken (complete)", CommitMode.COMPLETE,
                        List.of(beat(500, comment()), beat(1_000, comment()), beat(1_500, comment()), beat(2_500, comment())),
                        List.of("first/a first_token_timeout sent", "second/b ok sent"), Duration.ofSeconds(2)),
                Arguments.of("a stall longer than idle after some tokens (complete)", CommitMode.COMPLETE,
                        List.of(beat(300, role()), beat(400, token("Hel")), beat(900, token("lo"))), // the role is content: idle from 0.3 s
                        List.of("first/a idle_timeout sent", "second/b ok sent"), Duration.ofMillis(1_900)),
                Arguments.of("tokens in time that never finish within total (complete)", CommitMode.COMPLETE,
                        tokensEvery(900, 20),
                        List.of("first/a total_timeout sent", "second/b ok sent"), Duration.ofSeconds(5)),
                Arguments.of("events in time: a first token just inside firstToken, gaps just inside idle, done inside total",
                        CommitMode.COMPLETE,
                        List.of(beat(1_999, role()), beat(1_999, token("a")), beat(2_998, token("b")), beat(3_997, token("c")),
                                beat(4_996, finish()), beat(4_996, "data: [DONE]\n\n"), beat(4_996, null)),
                        List.of("first/a ok sent"), Duration.ofMillis(4_996)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void theCommitGateTimesTheStreamBeforeItsCommitPoint(String name, CommitMode mode, List<Beat> stream, List<String> attempts,
                                                          Duration decidedAt) {
        firstStepStream = stream;

        // two retries allowed: a timed-out step is still never tried again
        assertThat(run(new ChainPolicy(mode, 2, Duration.ofSeconds(3), Duration.ZERO, 16))).containsExactlyElementsOf(attempts);
        assertThat(decidedAfter).as("when the gate decided, after the headers").isEqualTo(decidedAt);
    }

    /** Runs a streaming request for the chain "first/a, second/b"; returns "step reason sent|not-sent" per attempt. */
    private List<String> run(ChainPolicy policy) {
        ObjectNode body = Json.object().put("model", "duo").put("stream", true);
        body.putArray("messages").addObject().put("role", "user").put("content", "hi");
        Waterfall waterfall = new Waterfall("duo", List.of(FIRST, new Step("second", "b")), policy,
                new ChatRequest(body, "duo", true, System.nanoTime()), providers.snapshot());
        Exchange done = template.send("direct:waterfall", exchange -> exchange.setProperty(Waterfall.PROPERTY, waterfall));
        assertThat(done.getException()).isNull();
        List<String> attempts = new ArrayList<>();
        waterfall.attempts().forEach(a -> attempts.add(a.step() + " " + a.outcome().reason().code() + " " + (a.sent() ? "sent" : "not-sent")));
        return attempts;
    }

    /** The first step streams its script through a real commit gate; the second answers a completion. */
    private void scriptedCall(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        if (!waterfall.currentStep().equals(FIRST)) {
            exchange.getMessage().setBody(UpstreamResponse.of(200, Map.of("content-type", List.of("application/json")), """
                    {"id":"c1","object":"chat.completion","created":1,"model":"b",
                     "choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}]}"""
                    .getBytes(StandardCharsets.UTF_8)));
            return;
        }
        long headersAt = thread.nanoTime();
        SseSource source = new SseSource(thread);
        source.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        // no client: before its commit point the gate sends the client nothing
        CommitGate gate = new CommitGate(waterfall, waterfall.provider(FIRST), FIRST, null, headersAt, clock.instant());
        gate.headers(new UpstreamStream(200, HttpHeaders.of(Map.of("content-type", List.of("text/event-stream")), (k, v) -> true), source));
        var decided = gate.decided().toCompletableFuture();
        decided.thenRun(() -> decidedAfter = Duration.ofNanos(thread.nanoTime() - headersAt));
        for (Beat beat : firstStepStream) {
            thread.advance(Duration.ofNanos(headersAt + beat.at().toNanos() - thread.nanoTime()));
            if (decided.isDone()) {
                break;
            }
            thread.execute(beat.sse() == null ? source::onComplete
                    : () -> source.onNext(List.of(ByteBuffer.wrap(beat.sse().getBytes(StandardCharsets.UTF_8)))));
        }
        if (!decided.isDone()) {
            thread.advance(Duration.ofMinutes(10)); // the provider stalls: time runs on until a timeout trips
        }
        assertThat(decided).as("the gate decided").isDone();
        exchange.getMessage().setBody(gate);
    }

    private static Beat beat(long atMillis, String sse) {
        return new Beat(Duration.ofMillis(atMillis), sse);
    }

    private static String comment() {
        return ": OPENROUTER PROCESSING\n\n";
    }

    private static List<Beat> tokensEvery(long millis, int count) {
        List<Beat> beats = new ArrayList<>(List.of(beat(0, role())));
        for (int i = 1; i <= count; i++) {
            beats.add(beat(i * millis, token("t" + i)));
        }
        return beats;
    }

    private static String role() {
        return chunk("{\"role\":\"assistant\",\"content\":\"\"}", null);
    }

    private static String token(String text) {
        return chunk("{\"content\":\"" + text + "\"}", null);
    }

    private static String finish() {
        return chunk("{}", "stop");
    }

    private static String chunk(String delta, String finishReason) {
        return """
                data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"a","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}

                """.formatted(delta, finishReason == null ? "null" : "\"" + finishReason + "\"");
    }

    private static ProviderConfig provider(String id) {
        return new ProviderConfig(id, "openai-compatible", URI.create("http://127.0.0.1:9/v1"), Optional.empty(), QuotaScope.MODEL,
                Limits.NONE, TIMEOUTS, Optional.empty(), 1);
    }
}
