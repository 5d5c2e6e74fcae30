package io.chain429.api;

import io.chain429.chain.Attempt;
import io.chain429.chain.Outcome;
import io.chain429.chain.Step;
import io.chain429.chain.Waterfall;
import io.chain429.config.ProviderConfig;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.Cooldown;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Answers the client once the waterfall is over: the completion, the client's own error, or — when no step could
 * serve — 429 with the earliest reset when something is only cooling down, else 503.
 */
public final class WriteCompletion implements Processor {

    private final ProviderRegistry providers;
    private final ProviderState state;

    public WriteCompletion(ProviderRegistry providers, ProviderState state) {
        this.providers = providers;
        this.state = state;
    }

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Message message = exchange.getMessage();
        Outcome last = waterfall.lastOutcome().orElse(null);
        if (last instanceof Outcome.Success success) {
            HttpReplies.json(message, 200, success.completion());
            message.setHeader("X-429chain-Provider", lastStep(waterfall).toString());
            waterfall.answered(200, success.completion().get("usage"));
        } else if (last instanceof Outcome.ClientError rejected) {
            HttpReplies.error(message, rejected.status(), rejected.error());
            message.setHeader("X-429chain-Provider", lastStep(waterfall).toString());
            waterfall.answered(rejected.status(), null);
        } else {
            waterfall.answered(writeExhausted(message, waterfall), null);
        }
        message.setHeader("X-429chain-Attempts", waterfall.sentCount());
        message.setHeader("X-429chain-Overhead-Ms",
                String.format(Locale.ROOT, "%.3f", waterfall.overheadNanos(System.nanoTime()) / 1_000_000.0));
    }

    /** @return the status written */
    private int writeExhausted(Message message, Waterfall waterfall) {
        String summary = waterfall.attempts().stream()
                .map(a -> a.step() + ": " + a.outcome().describe())
                .collect(Collectors.joining("; "));
        // When could this chain serve again: the earliest end of a cooldown, or of another limit that made a step skip.
        Optional<Instant> earliestReset = Stream.concat(
                        waterfall.steps().stream().map(this::cooldown).flatMap(Optional::stream).map(Cooldown::until),
                        waterfall.attempts().stream().map(Attempt::outcome)
                                .flatMap(o -> o instanceof Outcome.Skipped skipped ? skipped.availableAt().stream() : Stream.empty()))
                .filter(at -> at.isAfter(state.now()))
                .min(Instant::compareTo);
        String subject = "No step of chain '" + waterfall.chainName() + "' could serve the request";
        if (earliestReset.isPresent()) {
            long seconds = Math.max(1, (Duration.between(state.now(), earliestReset.get()).toMillis() + 999) / 1000);
            HttpReplies.error(message, 429, new OpenAiError(
                    subject + "; retry in " + seconds + "s. " + summary, "rate_limit_error", null, "rate_limit_exceeded"));
            message.setHeader("Retry-After", seconds);
            return 429;
        }
        HttpReplies.error(message, 503, OpenAiError.server(subject + ". " + summary, "all_providers_failed"));
        return 503;
    }

    private Optional<Cooldown> cooldown(Step step) {
        ProviderConfig provider = providers.get(step.providerId()).config();
        return state.cooldown(QuotaKey.of(provider, step.model())).or(() -> state.cooldown(new QuotaKey(provider.id(), "*")));
    }

    private static Step lastStep(Waterfall waterfall) {
        var attempts = waterfall.attempts();
        return attempts.get(attempts.size() - 1).step();
    }
}
