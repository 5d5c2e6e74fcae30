package io.chain429.chain;

import io.chain429.api.ChatRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One request's walk down its chain. Lives in an exchange property for the length of the request and is only
 * touched by the thread routing that exchange, so it needs no synchronization.
 */
public final class Waterfall {

    /** Exchange property holding the request's {@link Waterfall}. */
    public static final String PROPERTY = "chain429Waterfall";

    private final String chainName;
    private final List<Step> steps;
    private final ChatRequest request;
    private final List<Attempt> attempts = new ArrayList<>();
    private int position = -1;
    private long upstreamNanos;

    public Waterfall(String chainName, List<Step> steps, ChatRequest request) {
        this.chainName = chainName;
        this.steps = steps;
        this.request = request;
    }

    public String chainName() {
        return chainName;
    }

    public List<Step> steps() {
        return steps;
    }

    public ChatRequest request() {
        return request;
    }

    /** Moves to the next step; false when the waterfall is over (an attempt ended it or no step is left). */
    public boolean advance() {
        if (lastOutcome().map(Outcome::endsWaterfall).orElse(false) || position + 1 >= steps.size()) {
            return false;
        }
        position++;
        return true;
    }

    public Step currentStep() {
        return steps.get(position);
    }

    public void record(Outcome outcome, boolean sent) {
        attempts.add(new Attempt(currentStep(), outcome, sent));
    }

    public Optional<Outcome> lastOutcome() {
        return attempts.isEmpty() ? Optional.empty() : Optional.of(attempts.get(attempts.size() - 1).outcome());
    }

    public List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    /** Requests actually sent to providers (skipped steps cost nothing and are not counted). */
    public int sentCount() {
        return (int) attempts.stream().filter(Attempt::sent).count();
    }

    public void addUpstreamNanos(long nanos) {
        upstreamNanos += nanos;
    }

    /** Time spent in 429chain itself: everything but the waits on providers. */
    public long overheadNanos(long nowNanos) {
        return Math.max(0, nowNanos - request.receivedNanos() - upstreamNanos);
    }
}
