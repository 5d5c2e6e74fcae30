package io.chain429.chain;

import io.chain429.api.ClientLink;
import io.chain429.ratelimit.ProviderState;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.camel.Exchange;

/**
 * The expression of the waterfall's dynamic router: the next endpoint to visit, or null to stop. Each visit to
 * {@code direct:attempt} tries the waterfall's current step. In order, the router:
 * <ol>
 *   <li>stops at the first outcome that ends the waterfall, or when the client has gone;</li>
 *   <li>retries the same step when the chain allows it and it is cheap: a failure that is not silence, or a 429 whose
 *       reset is at most {@code retryWait} away (waited out);</li>
 *   <li>moves to the next step;</li>
 *   <li>when no step is left but all are only cooling down, and the earliest reset is within {@code maxWait}, holds the
 *       request until then and runs the chain once more — for a bounded number of requests per chain.</li>
 * </ol>
 */
public final class WaterfallRouter {

    static final String ATTEMPT = "direct:attempt";

    private final ProviderState state;
    private final Availability availability;
    private final Map<String, Semaphore> waiting = new ConcurrentHashMap<>();

    public WaterfallRouter(ProviderState state, Availability availability) {
        this.state = state;
        this.availability = availability;
    }

    public String next(Exchange exchange) throws InterruptedException {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        ClientLink client = exchange.getProperty(ClientLink.PROPERTY, ClientLink.class);
        if (waterfall.finished() || (client != null && client.gone())) {
            return null; // answered, or nobody is waiting for an answer any more
        }
        if (retrySameStep(waterfall)) {
            waterfall.retryStep();
            return ATTEMPT;
        }
        if (waterfall.advance()) {
            return ATTEMPT;
        }
        return waitForReset(waterfall) ? ATTEMPT : null;
    }

    private boolean retrySameStep(Waterfall waterfall) throws InterruptedException {
        Optional<Outcome> last = waterfall.lastOutcome();
        if (last.isEmpty() || !waterfall.retriesLeft()) {
            return false;
        }
        if (last.get() instanceof Outcome.Failed failed) {
            return !failed.silent();
        }
        if (last.get() instanceof Outcome.RateLimited limited && limited.resetAt().isPresent()) {
            Duration wait = Duration.between(state.now(), limited.resetAt().get());
            if (wait.compareTo(waterfall.policy().retryWait()) <= 0) {
                sleep(wait);
                return true;
            }
        }
        return false;
    }

    private boolean waitForReset(Waterfall waterfall) throws InterruptedException {
        ChainPolicy policy = waterfall.policy();
        if (policy.maxWait().isZero()) {
            return false;
        }
        // a reset that passed while the chain was being tried (a slow machine) means: try again at once
        Optional<Instant> reset = availability.earliestReset(waterfall).or(() -> onlyRateLimited(waterfall) ? Optional.of(state.now()) : Optional.empty());
        if (reset.isEmpty() || Duration.between(state.now(), reset.get()).compareTo(policy.maxWait()) > 0) {
            return false;
        }
        Semaphore queue = waiting.computeIfAbsent(waterfall.chainName(), name -> new Semaphore(policy.maxWaiting()));
        if (!queue.tryAcquire()) {
            return false; // enough requests wait on this chain already: this one gets its 429 now
        }
        try {
            sleep(Duration.between(state.now(), reset.get()));
        } finally {
            queue.release();
        }
        return waterfall.restartAfterWait();
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
