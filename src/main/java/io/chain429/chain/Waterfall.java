package io.chain429.chain;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.core.Attempt;
import io.chain429.core.ChatRequest;
import io.chain429.core.CommitMode;
import io.chain429.core.Outcome;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.provider.Provider;
import io.chain429.ratelimit.Reservation;
import io.chain429.ratelimit.TokenEstimate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One request's walk down its chain. Lives in an exchange property for the length of the request and is only
 * touched by the thread routing that exchange, so it needs no synchronization.
 */
public final class Waterfall {

    /** Exchange property holding the request's {@link Waterfall}. */
    public static final String PROPERTY = "chain429Waterfall";

    private final String chainName;
    private final List<Step> steps;
    private final ChainPolicy policy;
    private final ChatRequest request;
    private final Map<String, Provider> providers;
    private final List<Attempt> attempts = new ArrayList<>();
    private int position = -1;
    private int triesOnStep;
    private boolean waited;
    /** The attempt in progress is an open circuit's trial, the chain's last resort (see {@link #tryAsTrial}). */
    private boolean trial;
    private boolean trialTaken;
    private long upstreamNanos;
    private volatile long committedNanos;
    private volatile CompletableFuture<?> relay;
    private int status;
    private Reason streamFailure;
    private JsonNode usage;
    private long estimatedTokens = -1;
    private Reservation held;

    /**
     * @param providers the providers when the request started: a live reload of {@code 429chain.yaml} while it runs
     *                  changes nothing for it
     */
    public Waterfall(String chainName, List<Step> steps, ChainPolicy policy, ChatRequest request, Map<String, Provider> providers) {
        this.chainName = chainName;
        this.steps = steps;
        this.policy = policy;
        this.request = request;
        this.providers = providers;
    }

    /**
     * The step's provider as it was configured when this request started; empty only when a live reload removed it
     * between the request's choice of chain and the start of its waterfall.
     */
    public Optional<Provider> findProvider(Step step) {
        return Optional.ofNullable(providers.get(step.providerId()));
    }

    /** The provider of a step that {@link SkipUnavailableStep} let through, hence one that exists. */
    public Provider provider(Step step) {
        return findProvider(step).orElseThrow(() -> new IllegalStateException("unknown provider " + step.providerId()));
    }

    public ChainPolicy policy() {
        return policy;
    }

    public CommitMode commit() {
        return policy.commit();
    }

    /** True when the answer goes to the client as an event stream: a streaming request that got an answer. */
    public boolean isStreamingReply() {
        return request.stream() && lastOutcome()
                .filter(outcome -> outcome instanceof Outcome.Streaming || outcome instanceof Outcome.Success)
                .isPresent();
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
        if (finished() || trial || position + 1 >= steps.size()) {
            return false;
        }
        position++;
        triesOnStep = 0;
        return true;
    }

    /**
     * Sends the request to a step whose circuit is open, as its trial, when nothing else could take it: at most once
     * per run of the chain, never retried, and the last attempt of that run.
     */
    public boolean tryAsTrial(Step step) {
        int index = steps.indexOf(step);
        if (trialTaken || index < 0) {
            return false;
        }
        trialTaken = true;
        trial = true;
        position = index;
        triesOnStep = Integer.MAX_VALUE;
        return true;
    }

    /** The attempt in progress goes to a step whose circuit is open, as its trial. */
    public boolean isTrial() {
        return trial;
    }

    /** An attempt ended the waterfall: a success, a stream, or the client's own error. */
    public boolean finished() {
        return lastOutcome().map(Outcome::endsWaterfall).orElse(false);
    }

    /** The step that answered: with a completion, a stream or the client's own error. Empty when none did. */
    public Optional<Step> answeredBy() {
        if (attempts.isEmpty()) {
            return Optional.empty();
        }
        Attempt last = attempts.get(attempts.size() - 1);
        return last.outcome().endsWaterfall() && !(last.outcome() instanceof Outcome.ClientGone) ? Optional.of(last.step()) : Optional.empty();
    }

    /** Tries the current step once more (the caller checked {@link #retriesLeft()}). */
    public void retryStep() {
        triesOnStep++;
    }

    public boolean retriesLeft() {
        return position >= 0 && triesOnStep < policy.retries();
    }

    /** Runs the whole chain again, once, after waiting for a reset. */
    public boolean restartAfterWait() {
        if (waited) {
            return false;
        }
        waited = true;
        position = 0;
        triesOnStep = 0;
        trial = false;
        trialTaken = false;
        return true;
    }

    public Step currentStep() {
        return steps.get(position);
    }

    public void record(Outcome outcome, boolean sent) {
        if (!sent) {
            triesOnStep = Integer.MAX_VALUE; // a skipped step is not retried, nor one no connection could be made to
        }
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
        int sent = 0;
        for (Attempt attempt : attempts) {
            if (attempt.sent()) {
                sent++;
            }
        }
        return sent;
    }

    public void addUpstreamNanos(long nanos) {
        upstreamNanos += nanos;
    }

    /** This request's likely token cost, estimated once. */
    public long estimatedTokens() {
        if (estimatedTokens < 0) {
            estimatedTokens = TokenEstimate.of(request.body());
        }
        return estimatedTokens;
    }

    /** The reservation of the attempt in progress. */
    public void hold(Reservation reservation) {
        this.held = reservation;
    }

    public Optional<Reservation> held() {
        return Optional.ofNullable(held);
    }

    /** Records how the request was answered, for the request log. */
    public void answered(int status, JsonNode usage) {
        this.status = status;
        this.usage = usage;
    }

    /** The moment the first byte of a streamed answer went to the client. */
    public void committed(long nanos) {
        this.committedNanos = nanos;
    }

    /** A stream is being relayed to the client, until the future completes. Set on the stream's thread, at the commit point. */
    public void relaying(CompletableFuture<?> relay) {
        this.relay = relay;
    }

    /** The relay of a committed stream, if one is running or ran. */
    public Optional<CompletableFuture<?>> relay() {
        return Optional.ofNullable(relay);
    }

    /** A committed stream ended with an error event instead of its end marker. */
    public void streamFailed(Reason reason) {
        this.streamFailure = reason;
    }

    public int status() {
        return status;
    }

    public Optional<JsonNode> usage() {
        return Optional.ofNullable(usage);
    }

    public Optional<Reason> streamFailure() {
        return Optional.ofNullable(streamFailure);
    }

    /** Time to first token for a stream; empty for a non-streamed answer. */
    public Optional<Long> timeToFirstTokenNanos() {
        return committedNanos == 0 ? Optional.empty() : Optional.of(committedNanos - request.receivedNanos());
    }

    /** {@link #overheadNanos} as the {@code X-429chain-Overhead-Ms} header writes it: milliseconds, three decimals. */
    public String overheadHeader() {
        return overheadHeader(System.nanoTime());
    }

    /** {@link #overheadHeader()} as it stood at that moment. */
    public String overheadHeader(long atNanos) {
        return millisWithThreeDecimals(overheadNanos(atNanos));
    }

    /** "1.234" for 1,234,000 ns: what {@code String.format("%.3f")} gives, without parsing a format on every reply. */
    static String millisWithThreeDecimals(long nanos) {
        long micros = (nanos + 500) / 1_000;
        long fraction = micros % 1_000;
        return (micros / 1_000) + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
    }

    /** Time spent in 429chain itself: everything but the waits on providers. */
    public long overheadNanos(long nowNanos) {
        return Math.max(0, nowNanos - request.receivedNanos() - upstreamNanos);
    }
}
