package io.chain429.chain;

import io.chain429.core.Attempt;
import io.chain429.core.ClientLink;
import io.chain429.core.Outcome;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.StepBreakers;
import io.vertx.core.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.camel.Exchange;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.support.ExpressionAdapter;

/**
 * The expression of the waterfall's dynamic router: the next endpoint to visit, or null to stop. Each visit to
 * {@code direct:attempt} tries the waterfall's current step. In order, the router:
 * <ol>
 *   <li>stops at the first outcome that ends the waterfall, or when the client has gone;</li>
 *   <li>retries the same step when the chain allows it and it is cheap: a quick failure (not a timeout: waiting again
 *       on a step that kept the client waiting once is the slowest way to an answer), or a 429 whose reset is at most
 *       {@code retryWait} away (waited out);</li>
 *   <li>moves to the next step;</li>
 *   <li>when no step was sent the request and some were skipped only for their open circuits, sends it to the one whose
 *       circuit opened first, as its trial: open circuits alone never refuse a chain (Envoy's panic threshold does the
 *       same), and a success closes that circuit at once;</li>
 *   <li>when no step is left but all are only cooling down, and the earliest reset is within {@code maxWait}, holds the
 *       request until then and runs the chain once more — for a bounded number of requests per chain.</li>
 * </ol>
 * An {@link org.apache.camel.Expression} that the route names with the {@code ref} language, rather than a bean method:
 * Camel calls it directly, once per visit, without binding a method's parameters by reflection each time.
 */
public final class WaterfallRouter extends ExpressionAdapter {

    static final String ATTEMPT = "direct:attempt";
    static final String LEAVE_EVENT_LOOP = "direct:leave-event-loop";

    private final ProviderState state;
    private final Availability availability;
    private final StepBreakers breakers;
    private final Pause pause;
    private final Map<String, Semaphore> waiting = new ConcurrentHashMap<>();

    public WaterfallRouter(ProviderState state, Availability availability, StepBreakers breakers) {
        this(state, availability, breakers, WaterfallRouter::sleep);
    }

    /** @param pause how a wait passes: the thread sleeps, or (in tests) a clock moves on */
    public WaterfallRouter(ProviderState state, Availability availability, StepBreakers breakers, Pause pause) {
        this.state = state;
        this.availability = availability;
        this.breakers = breakers;
        this.pause = pause;
    }

    /** A wait for a reset: {@code retryWait}, {@code maxWait}. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    @Override
    public Object evaluate(Exchange exchange) {
        try {
            return next(exchange);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeCamelException(e);
        }
    }

    String next(Exchange exchange) throws InterruptedException {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        ClientLink client = exchange.getProperty(ClientLink.PROPERTY, ClientLink.class);
        if (waterfall.finished() || (client != null && client.gone())) {
            return null; // answered, or nobody is waiting for an answer any more
        }
        Optional<Duration> retry = retrySameStep(waterfall);
        if (retry.isPresent()) {
            if (mustLeaveEventLoop(retry.get())) {
                return LEAVE_EVENT_LOOP;
            }
            pause.pause(retry.get());
            waterfall.retryStep();
            return ATTEMPT;
        }
        if (waterfall.advance()) {
            return ATTEMPT;
        }
        Optional<Step> trial = earliestOpenCircuit(waterfall);
        if (trial.isPresent() && waterfall.tryAsTrial(trial.get())) {
            return ATTEMPT;
        }
        Optional<Instant> reset = resetWithinMaxWait(waterfall);
        if (reset.isEmpty()) {
            return null;
        }
        if (mustLeaveEventLoop(Duration.between(state.now(), reset.get()))) {
            return LEAVE_EVENT_LOOP; // no step is left to advance to: the router comes back to this same point
        }
        return holdUntil(waterfall, reset.get()) ? ATTEMPT : null;
    }

    /** How long to wait before trying the same step again, when the chain allows it and it is cheap. */
    private Optional<Duration> retrySameStep(Waterfall waterfall) {
        Optional<Outcome> last = waterfall.lastOutcome();
        if (last.isEmpty() || !waterfall.retriesLeft()) {
            return Optional.empty();
        }
        if (last.get() instanceof Outcome.Failed failed) {
            return failed.worthRetrying() ? Optional.of(Duration.ZERO) : Optional.empty();
        }
        if (last.get() instanceof Outcome.RateLimited limited && limited.resetAt().isPresent()) {
            Duration wait = Duration.between(state.now(), limited.resetAt().get());
            if (wait.compareTo(waterfall.policy().retryWait()) <= 0) {
                return Optional.of(wait);
            }
        }
        return Optional.empty();
    }

    /** Of the steps skipped for their open circuit, the one that opened first; when no step was sent the request. */
    private Optional<Step> earliestOpenCircuit(Waterfall waterfall) {
        if (waterfall.sentCount() > 0 || waterfall.isTrial()) {
            return Optional.empty();
        }
        return waterfall.attempts().stream()
                .filter(a -> a.outcome().reason().code().equals(Reason.CIRCUIT_OPEN))
                .map(Attempt::step)
                .distinct()
                .min(Comparator.comparing(step -> breakers.view(step).since()));
    }

    /** The earliest reset of the chain's steps, when the chain holds requests for it and it is within maxWait. */
    private Optional<Instant> resetWithinMaxWait(Waterfall waterfall) {
        ChainPolicy policy = waterfall.policy();
        if (policy.maxWait().isZero()) {
            return Optional.empty();
        }
        // a reset that passed while the chain was being tried (a slow machine) means: try again at once
        Optional<Instant> reset = availability.earliestReset(waterfall).or(() -> onlyRateLimited(waterfall) ? Optional.of(state.now()) : Optional.empty());
        if (reset.isEmpty() || Duration.between(state.now(), reset.get()).compareTo(policy.maxWait()) > 0) {
            return Optional.empty();
        }
        return reset;
    }

    /** Holds the request until the reset, for a bounded number of requests per chain; then runs the chain once more. */
    private boolean holdUntil(Waterfall waterfall, Instant reset) throws InterruptedException {
        Semaphore queue = waiting.computeIfAbsent(waterfall.chainName(), name -> new Semaphore(waterfall.policy().maxWaiting()));
        if (!queue.tryAcquire()) {
            return false; // enough requests wait on this chain already: this one gets its 429 now
        }
        try {
            pause.pause(Duration.between(state.now(), reset));
        } finally {
            queue.release();
        }
        return waterfall.restartAfterWait();
    }

    /**
     * A wait never holds an event loop, where a request's route starts (it serves many connections): the router first
     * sends the request to {@link #LEAVE_EVENT_LOOP}, which moves it to a request thread, and is asked again there.
     */
    private static boolean mustLeaveEventLoop(Duration wait) {
        return !wait.isNegative() && !wait.isZero() && Context.isOnEventLoopThread();
    }

    private static boolean onlyRateLimited(Waterfall waterfall) {
        return waterfall.attempts().stream().map(Attempt::outcome)
                .allMatch(o -> o instanceof Outcome.RateLimited || (o instanceof Outcome.Skipped s && s.availableAt().isPresent()));
    }

    private static void sleep(Duration wait) throws InterruptedException {
        if (!wait.isNegative() && !wait.isZero()) {
            Thread.sleep(wait.toMillis(), (int) (wait.toNanosPart() % 1_000_000));
        }
    }
}
