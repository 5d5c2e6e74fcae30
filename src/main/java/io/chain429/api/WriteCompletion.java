package io.chain429.api;

import io.chain429.chain.Availability;
import io.chain429.chain.Waterfall;
import io.chain429.core.OpenAiError;
import io.chain429.core.Outcome;
import io.chain429.core.Step;
import io.chain429.ratelimit.ProviderState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Answers the client once the waterfall is over: the completion, the client's own error, or — when no step could
 * serve — 429 with the earliest reset when something is only cooling down, else 503.
 */
public final class WriteCompletion implements Processor {

    private final ProviderState state;
    private final Availability availability;

    public WriteCompletion(ProviderState state, Availability availability) {
        this.state = state;
        this.availability = availability;
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
        } else if (last instanceof Outcome.ClientGone) {
            waterfall.answered(Outcome.ClientGone.STATUS, null); // written to nobody
            HttpReplies.error(message, Outcome.ClientGone.STATUS, OpenAiError.server("the client closed the connection", "client_gone"));
        } else {
            waterfall.answered(writeExhausted(message, waterfall), null);
        }
        message.setHeader("X-429chain-Attempts", waterfall.sentCount());
        message.setHeader("X-429chain-Overhead-Ms", waterfall.overheadHeader());
    }

    /** @return the status written */
    private int writeExhausted(Message message, Waterfall waterfall) {
        String summary = waterfall.attempts().stream()
                .map(a -> a.step() + ": " + a.outcome().reason())
                .collect(Collectors.joining("; "));
        Optional<Instant> earliestReset = availability.earliestReset(waterfall);
        String subject = "No step of chain '" + waterfall.chainName() + "' could serve the request";
        if (earliestReset.isPresent()) {
            long seconds = Math.max(1, (Duration.between(state.now(), earliestReset.get()).toMillis() + 999) / 1000);
            HttpReplies.error(message, 429, new OpenAiError(
                    subject + "; retry in " + seconds + "s. " + summary, "rate_limit_error", null, "rate_limit_exceeded"));
            message.setHeader("Retry-After", seconds);
            // the hints OpenAI's own 429s carry, which some clients read instead of Retry-After
            message.setHeader("X-RateLimit-Remaining-Requests", 0);
            message.setHeader("X-RateLimit-Reset-Requests", seconds + "s");
            return 429;
        }
        HttpReplies.error(message, 503, OpenAiError.server(subject + ". " + summary, "all_providers_failed"));
        return 503;
    }

    private static Step lastStep(Waterfall waterfall) {
        var attempts = waterfall.attempts();
        return attempts.get(attempts.size() - 1).step();
    }
}
