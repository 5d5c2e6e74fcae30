package io.chain429.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.config.GatewayConfig.Circuit;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a step's circuit opens, how long it rests, and what closes it: on an injected clock. */
class StepBreakersTest {

    private static final Step STEP = new Step("groq", "llama-3.1-8b-instant");
    private static final Reason HTTP_503 = Reason.http(503, "server error (HTTP 503)");
    private static final Reason REFUSED = Reason.of(Reason.CONNECT_REFUSED, "refused");

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final StepBreakers breakers = new StepBreakers(Circuit.DEFAULT, Duration.ofSeconds(30), clock, metrics);

    @Test
    void fiveFailuresThatAreMostOfTheAttemptsOpenTheCircuitWithTheirReasons() {
        for (int i = 0; i < 4; i++) {
            fail(i % 2 == 0 ? HTTP_503 : REFUSED);
        }
        assertThat(breakers.tryAcquire(STEP)).as("four failures are not many").isTrue();
        breakers.release(STEP);

        fail(HTTP_503);

        StepBreakers.View view = breakers.view(STEP);
        assertThat(view.state()).isEqualTo("open");
        assertThat(view.since()).isEqualTo(clock.instant());
        assertThat(view.until()).isEqualTo(clock.instant().plusSeconds(5));
        assertThat(view.openedBy()).isEqualTo(Map.of("http_503", 3, "connect_refused", 2));
        assertThat(breakers.tryAcquire(STEP)).isFalse();
        assertThat(breakers.whyOpen(STEP)).contains("5 of 5 attempts failed (connect_refused ×2, http_503 ×3)")
                .contains("next trial at 2026-12-07T10:00:05Z");
        assertThat(metrics.get("chain429.circuit.open").tag("step", STEP.toString()).gauge().value()).isEqualTo(1.0);
    }

    @Test
    void aBurstOfFailuresAmongMoreSuccessesDoesNotOpenIt() {
        for (int i = 0; i < 6; i++) {
            succeed();
            succeed();
            fail(HTTP_503);
        }

        assertThat(breakers.view(STEP).state()).as("6 failures, but a third of the attempts").isEqualTo("closed");
        assertThat(breakers.tryAcquire(STEP)).isTrue();
    }

    @Test
    void failuresSpreadOverMoreThanTheWindowDoNotAddUp() {
        for (int i = 0; i < 10; i++) {
            fail(HTTP_503);
            clock.advance(Duration.ofSeconds(3));
        }

        assertThat(breakers.view(STEP).state()).as("never more than 4 in any 10 s").isEqualTo("closed");
    }

    @Test
    void afterItsRestOneTrialGoesAndItsSuccessClosesTheCircuit() {
        open();
        clock.advance(Duration.ofMillis(5_001));

        assertThat(breakers.tryAcquire(STEP)).as("the trial").isTrue();
        assertThat(breakers.view(STEP).state()).isEqualTo("half_open");
        assertThat(breakers.tryAcquire(STEP)).as("only one trial at a time").isFalse();
        breakers.succeeded(STEP);

        assertThat(breakers.view(STEP).state()).isEqualTo("closed");
        assertThat(breakers.view(STEP).openedBy()).isEmpty();
        assertThat(breakers.tryAcquire(STEP)).isTrue();
        assertThat(metrics.get("chain429.circuit.open").tag("step", STEP.toString()).gauge().value()).isZero();
    }

    @Test
    void eachFailedTrialRestsTwiceAsLongUpToCircuitOpenFor() {
        open();
        Duration[] rests = {Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(30)};
        clock.advance(Duration.ofMillis(5_001));
        for (Duration rest : rests) {
            assertThat(breakers.tryAcquire(STEP)).isTrue();
            breakers.failed(STEP, HTTP_503);
            assertThat(breakers.view(STEP).until()).isEqualTo(clock.instant().plus(rest));
            clock.advance(rest);
            assertThat(breakers.tryAcquire(STEP)).as("still resting").isFalse();
            clock.advance(Duration.ofMillis(1));
        }
    }

    @Test
    void aTrialThatMeetsARateLimitGivesItsPermissionBackForTheNextRequest() {
        open();
        clock.advance(Duration.ofMillis(5_001));
        assertThat(breakers.tryAcquire(STEP)).isTrue();

        breakers.release(STEP);

        assertThat(breakers.tryAcquire(STEP)).isTrue();
    }

    @Test
    void aSuccessWhileOpenClosesItAtOnce() {
        open();

        breakers.succeeded(STEP);

        assertThat(breakers.view(STEP).state()).isEqualTo("closed");
    }

    @Test
    void anOperatorClosesEveryOpenCircuitOfAProvider() {
        open();
        Step sibling = new Step("groq", "other");
        Step elsewhere = new Step("cerebras", "llama");
        for (int i = 0; i < 5; i++) {
            breakers.failed(sibling, HTTP_503);
            breakers.failed(elsewhere, HTTP_503);
        }

        assertThat(breakers.openOf("groq")).extracting(StepBreakers.View::step).containsExactlyInAnyOrder("groq/llama-3.1-8b-instant", "groq/other");
        assertThat(breakers.closeAll("groq", "an operator closed it")).containsExactly("groq/llama-3.1-8b-instant", "groq/other");

        assertThat(breakers.openOf("groq")).isEmpty();
        assertThat(breakers.openOf("cerebras")).hasSize(1);
        assertThat(breakers.tryAcquire(STEP)).isTrue();
    }

    private void open() {
        for (int i = 0; i < 5; i++) {
            fail(HTTP_503);
        }
        assertThat(breakers.view(STEP).state()).isEqualTo("open");
    }

    private void fail(Reason reason) {
        if (breakers.tryAcquire(STEP)) {
            breakers.failed(STEP, reason);
        }
    }

    private void succeed() {
        assertThat(breakers.tryAcquire(STEP)).isTrue();
        breakers.succeeded(STEP);
    }
}
