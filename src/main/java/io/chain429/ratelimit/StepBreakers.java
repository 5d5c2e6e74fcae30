package io.chain429.ratelimit;

import io.chain429.config.Durations;
import io.chain429.config.GatewayConfig.Circuit;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One circuit per chain step ({@code provider/model}): a step that keeps failing (5xx, timeouts, refused connections,
 * broken streams) is left alone for a while instead of being hit by every request, then gets one trial request, and
 * is back in use as soon as that succeeds. Per step, not per provider: one flapping model must not take its siblings
 * at the same provider down.
 *
 * <p>In proportion: a circuit opens only when, within the last {@link Circuit#window()}, its failures are both many
 * ({@link Circuit#minFailures()}) and most ({@link Circuit#failureRatePercent()} of its attempts); a burst of failures
 * in a stream of successes does not open it. It rests {@value #FIRST_REST_SECONDS}s first, twice as long after each
 * failed trial, up to {@code openFor}. Only failures that say something about the step count: rate limits, keys, the
 * client's errors and clients leaving have their own handling.
 *
 * <p>Resilience4j keeps each circuit's state machine (open, one trial, closed; lazily, no timer); the window that
 * decides when to open is {@link FailureWindow}, since "many and most" is not a rule Resilience4j has.
 */
public final class StepBreakers {

    static final long FIRST_REST_SECONDS = 5;

    private static final Logger LOG = LoggerFactory.getLogger(StepBreakers.class);

    private final Circuit rule;
    private final Clock clock;
    private final CircuitBreakerConfig config;
    private final IntervalFunction rests;
    private final MeterRegistry metrics;
    private final Map<Step, StepCircuit> circuits = new ConcurrentHashMap<>();

    /**
     * @param openFor the longest a circuit rests before its next trial
     * @param metrics where each circuit's {@code chain429_circuit_open} gauge goes; null for none
     */
    public StepBreakers(Circuit rule, Duration openFor, Clock clock, MeterRegistry metrics) {
        this.rule = rule;
        this.clock = clock;
        this.metrics = metrics;
        Duration firstRest = openFor.compareTo(Duration.ofSeconds(FIRST_REST_SECONDS)) < 0 ? openFor : Duration.ofSeconds(FIRST_REST_SECONDS);
        this.rests = IntervalFunction.ofExponentialBackoff(firstRest, 2.0, openFor);
        this.config = CircuitBreakerConfig.custom()
                // never opens by itself: FailureWindow decides that; in the half-open state, its one trial decides
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(1)
                .minimumNumberOfCalls(1)
                .failureRateThreshold(100)
                .permittedNumberOfCallsInHalfOpenState(1)
                .clock(clock)
                .build();
    }

    /** Takes the permission to send a request to the step; false while its circuit is open. */
    public boolean tryAcquire(Step step) {
        return circuit(step).breaker.tryAcquirePermission();
    }

    /** A success closes the circuit, whatever its state: the step works (a trial, or a request sent while it was open). */
    public void succeeded(Step step) {
        StepCircuit circuit = circuit(step);
        circuit.window.success(clock.instant());
        if (circuit.breaker.getState() == CircuitBreaker.State.OPEN) {
            circuit.breaker.transitionToClosedState();
        } else {
            circuit.breaker.onSuccess(0, TimeUnit.NANOSECONDS);
        }
    }

    public void failed(Step step, Reason reason) {
        StepCircuit circuit = circuit(step);
        Instant now = clock.instant();
        CircuitBreaker.State before = circuit.breaker.getState();
        if (before == CircuitBreaker.State.CLOSED) {
            circuit.breaker.releasePermission();
            Optional<FailureWindow.Tally> trip = circuit.window.failure(now, reason.code());
            trip.ifPresent(tally -> circuit.open(tally, now));
        } else {
            circuit.window.failure(now, reason.code());
            if (before == CircuitBreaker.State.HALF_OPEN) {
                circuit.reopen(reason, now);
            }
        }
    }

    /** Gives a permission back unused, or used by an outcome that says nothing about the step's health. */
    public void release(Step step) {
        circuit(step).breaker.releasePermission();
    }

    /** An operator's decision: the step is tried again at once. */
    public boolean close(Step step, String why) {
        StepCircuit circuit = circuits.get(step);
        if (circuit == null || circuit.breaker.getState() == CircuitBreaker.State.CLOSED) {
            return false;
        }
        circuit.closedBy = why;
        circuit.breaker.transitionToClosedState();
        return true;
    }

    /** The step's circuit as operators see it. */
    public View view(Step step) {
        return circuit(step).view();
    }

    /** The steps whose circuit is open (or waiting for its trial's answer), the earliest opened first. */
    public List<View> open() {
        return circuits.values().stream().map(StepCircuit::view).filter(View::open)
                .sorted(Comparator.comparing(View::since)).toList();
    }

    /** Every circuit of a provider's steps that were tried, by step. */
    public List<View> of(String providerId) {
        return circuits.entrySet().stream().filter(e -> e.getKey().providerId().equals(providerId))
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(Step::toString)))
                .map(e -> e.getValue().view()).toList();
    }

    /** A provider's open circuits, the earliest opened first. */
    public List<View> openOf(String providerId) {
        return open().stream().filter(view -> view.step().startsWith(providerId + "/")).toList();
    }

    /** Closes every open circuit of a provider's steps; returns those steps. */
    public List<String> closeAll(String providerId, String why) {
        return circuits.keySet().stream().filter(step -> step.providerId().equals(providerId) && close(step, why))
                .map(Step::toString).sorted().toList();
    }

    /** Drops a step's circuit and its gauge (an ad-hoc step no longer kept, see AdHocSteps). */
    public void forget(Step step) {
        StepCircuit circuit = circuits.remove(step);
        if (circuit != null && metrics != null) {
            metrics.find("chain429.circuit.open").tag("step", step.toString()).meters().forEach(metrics::remove);
        }
    }

    /** {@code "circuit open since …"}: the detail of an attempt skipped for it. */
    public String whyOpen(Step step) {
        return circuit(step).view().describe();
    }

    private StepCircuit circuit(Step step) {
        return circuits.computeIfAbsent(step, this::newCircuit);
    }

    private StepCircuit newCircuit(Step step) {
        StepCircuit circuit = new StepCircuit(step, CircuitBreaker.of(step.toString(), config), clock.instant());
        if (metrics != null) {
            Gauge.builder("chain429.circuit.open", circuit, c -> c.view().open() ? 1 : 0)
                    .description("1 while the step's circuit is open (or half-open, its trial in flight), else 0")
                    .tag("provider", step.providerId()).tag("step", step.toString()).register(metrics);
        }
        return circuit;
    }

    /**
     * A step's circuit as operators see it.
     *
     * @param state    {@code closed}, {@code open} or {@code half_open} (one trial request in flight)
     * @param since    when it entered that state
     * @param until    for an open circuit, when its next trial may go; else null
     * @param openedBy the failures, by reason code, that opened it; empty while closed
     */
    public record View(String step, String state, Instant since, Instant until, Map<String, Integer> openedBy, int failedAttempts,
                       int attempts) {
        public boolean open() {
            return !state.equals("closed");
        }

        public String describe() {
            String why = "after " + failedAttempts + " of " + attempts + " attempts failed (" + codes(openedBy) + ")";
            return until == null
                    ? "circuit open since " + since + " " + why + "; a trial request is in flight"
                    : "circuit open since " + since + " " + why + "; next trial at " + until;
        }
    }

    private static String codes(Map<String, Integer> byCode) {
        StringBuilder text = new StringBuilder();
        byCode.forEach((code, count) -> text.append(text.isEmpty() ? "" : ", ").append(code).append(" ×").append(count));
        return text.toString();
    }

    /** One step's state machine, the window that opens it, and what operators are told about it. */
    private final class StepCircuit {
        private final Step step;
        private final CircuitBreaker breaker;
        private final FailureWindow window = new FailureWindow(rule);
        private volatile Instant since;
        private volatile Instant until;
        private volatile FailureWindow.Tally openedBy;
        private volatile int trips;
        private volatile String closedBy;

        StepCircuit(Step step, CircuitBreaker breaker, Instant created) {
            this.step = step;
            this.breaker = breaker;
            this.since = created;
            breaker.getEventPublisher().onStateTransition(event -> transitioned(event.getStateTransition().getToState()));
        }

        void open(FailureWindow.Tally tally, Instant now) {
            openedBy = tally;
            restFrom(now);
            LOG.warn("{}: circuit OPEN: {} of its {} attempts in the last {} failed ({}); requests skip it for {}, until {},"
                            + " then one trial request", step, tally.failures(), tally.attempts(), Durations.format(rule.window()),
                    codes(tally.byCode()), Durations.format(Duration.between(now, until)), until);
        }

        /** Its trial failed: it rests again, longer. */
        void reopen(Reason reason, Instant now) {
            restFrom(now);
            LOG.warn("{}: circuit stays OPEN: its trial request failed ({}); next trial in {}, at {}", step, reason,
                    Durations.format(Duration.between(now, until)), until);
        }

        private void restFrom(Instant now) {
            trips++;
            until = now.plus(Duration.ofMillis(rests.apply(trips)));
            breaker.transitionToOpenStateUntil(until);
        }

        private void transitioned(CircuitBreaker.State to) {
            since = clock.instant();
            switch (to) {
                case OPEN -> { }
                case CLOSED -> {
                    LOG.info("{}: circuit CLOSED: {}", step, closedBy != null ? closedBy : "a request to it succeeded");
                    trips = 0;
                    until = null;
                    openedBy = null;
                    closedBy = null;
                    window.clear();
                }
                default -> { }
            }
        }

        View view() {
            CircuitBreaker.State state = breaker.getState();
            FailureWindow.Tally tally = openedBy;
            if (state == CircuitBreaker.State.CLOSED || tally == null) {
                return new View(step.toString(), "closed", since, null, Map.of(), 0, 0);
            }
            return new View(step.toString(), state == CircuitBreaker.State.OPEN ? "open" : "half_open", since,
                    state == CircuitBreaker.State.OPEN ? until : null, tally.byCode(), tally.failures(), tally.attempts());
        }
    }
}
