package io.chain429.ratelimit;

import io.chain429.chain.Step;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Resilience4j circuit breaker per chain step ({@code provider/model}): a step that keeps failing (5xx,
 * timeouts, refused connections, broken streams) is left alone for a while instead of being hit by every request,
 * then gets one trial request, and is back in use as soon as that succeeds. Per step, not per provider: one
 * flapping model must not take its siblings at the same provider down.
 *
 * <p>Rate limits, payment and key problems are not failures here: they have their own cooldowns. The open state ends
 * lazily, when the next request asks for permission; no timer runs.
 */
public final class StepBreakers {

    private static final Logger LOG = LoggerFactory.getLogger(StepBreakers.class);

    private final CircuitBreakerRegistry registry;
    private final Map<Step, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    public StepBreakers(Duration openFor) {
        this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(4)
                .failureRateThreshold(50)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
    }

    /** Takes the permission to send a request to the step; false while its circuit is open. */
    public boolean tryAcquire(Step step) {
        return breaker(step).tryAcquirePermission();
    }

    public void succeeded(Step step) {
        breaker(step).onSuccess(0, TimeUnit.NANOSECONDS);
    }

    public void failed(Step step, String reason) {
        breaker(step).onError(0, TimeUnit.NANOSECONDS, new StepFailure(reason));
    }

    /** Gives a permission back unused, or used by an outcome that says nothing about the step's health. */
    public void release(Step step) {
        breaker(step).releasePermission();
    }

    /** {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, ... for the operator view. */
    public String state(Step step) {
        return breaker(step).getState().name();
    }

    private CircuitBreaker breaker(Step step) {
        return breakers.computeIfAbsent(step, s -> {
            CircuitBreaker breaker = registry.circuitBreaker(s.toString());
            breaker.getEventPublisher().onStateTransition(event ->
                    LOG.info("{}: circuit {}", s, event.getStateTransition().getToState()));
            return breaker;
        });
    }

    /** What the breaker records as the failure; never thrown. */
    private static final class StepFailure extends Exception {
        StepFailure(String reason) {
            super(reason, null, false, false);
        }
    }
}
