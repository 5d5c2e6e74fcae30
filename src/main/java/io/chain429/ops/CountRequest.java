package io.chain429.ops;

import io.chain429.chain.AdHocSteps;
import io.chain429.chain.Waterfall;
import io.chain429.core.Attempt;
import io.chain429.core.Outcome;
import io.chain429.core.Outcome.ClientGone;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Adds one finished request to the metrics: aggregated per request, never per chunk. Requests by chain, serving
 * provider and outcome; attempts and waterfall hops; cooldowns entered, by reason; failed attempts, by provider and
 * reason code; time to first token and the time
 * 429chain itself added; tokens used per provider.
 */
public final class CountRequest implements Processor {

    private final MeterRegistry registry;
    private final DistributionSummary attempts;
    private final Timer timeToFirstToken;
    private final Timer addedLatency;
    /**
     * The counters by name and tags, each registered once rather than a meter id built (its tags sorted) and looked up
     * in the registry for every request. Chains, providers, outcomes and reasons are few, so this stays small.
     */
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

    public CountRequest(MeterRegistry registry) {
        this.registry = registry;
        this.attempts = DistributionSummary.builder("chain429.attempts")
                .description("requests sent to providers per client request").register(registry);
        this.timeToFirstToken = Timer.builder("chain429.time.to.first.token")
                .description("from the request's arrival to the first event sent to the client")
                .publishPercentileHistogram().register(registry);
        this.addedLatency = Timer.builder("chain429.added.latency")
                .description("time spent in 429chain itself, provider waits excluded")
                .publishPercentileHistogram().register(registry);
    }

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        if (waterfall == null) {
            return;
        }
        List<Attempt> tried = waterfall.attempts();
        String servedBy = waterfall.answeredBy().map(Step::providerId).orElse("none");
        String chain = AdHocSteps.chainLabel(waterfall.chainName());
        counter("chain429.requests", "client requests by chain (groq/* for steps named outside chains), serving provider and outcome",
                "chain", chain, "provider", servedBy, "outcome", outcome(waterfall)).increment();
        int sent = waterfall.sentCount();
        attempts.record(sent);
        if (sent > 1) {
            counter("chain429.waterfall.hops", null, "chain", chain).increment(sent - 1);
        }
        for (Attempt attempt : tried) {
            String reason = cooldownReason(attempt.outcome());
            if (reason != null) {
                counter("chain429.cooldowns", "cooldowns entered, by reason", "provider", attempt.step().providerId(), "reason", reason)
                        .increment();
            }
            if (attempt.outcome().isProviderFailure()) {
                attemptFailed(attempt.step().providerId(), attempt.outcome().reason());
            }
        }
        waterfall.streamFailure().filter(reason -> !reason.code().equals(Reason.INTERNAL_ERROR))
                .ifPresent(reason -> attemptFailed(servedBy, reason));
        waterfall.timeToFirstTokenNanos().ifPresent(nanos -> timeToFirstToken.record(Duration.ofNanos(nanos)));
        addedLatency.record(Duration.ofNanos(waterfall.overheadNanos(System.nanoTime())));
        waterfall.usage().map(u -> u.path("total_tokens").asLong(0)).filter(tokens -> tokens > 0).ifPresent(tokens ->
                counter("chain429.tokens", "tokens used, as the providers counted them", "provider", servedBy).increment(tokens));
    }

    private void attemptFailed(String providerId, Reason reason) {
        counter("chain429.attempt.failures", "attempts that failed, by provider and reason code (docs/failures.md)",
                "provider", providerId, "reason", reason.code()).increment();
    }

    /** @param tags name, value, name, value, ... */
    private Counter counter(String name, String description, String... tags) {
        List<String> key = new ArrayList<>(tags.length + 1);
        key.add(name);
        key.addAll(List.of(tags));
        return counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

    private static String outcome(Waterfall waterfall) {
        if (waterfall.streamFailure().isPresent()) {
            return "stream_error";
        }
        int status = waterfall.status();
        return status == 200 ? "ok" : status == 429 ? "rate_limited" : status == ClientGone.STATUS ? "client_gone" : status >= 500 ? "failed" : "client_error";
    }

    private static String cooldownReason(Outcome outcome) {
        if (outcome instanceof Outcome.RateLimited) {
            return "rate_limited";
        }
        if (outcome instanceof Outcome.PaymentRequired) {
            return "payment_required";
        }
        return outcome instanceof Outcome.AuthFailed ? "key_rejected" : null;
    }
}
