package io.chain429.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.chain.Waterfall;
import io.chain429.core.Attempt;
import io.chain429.core.Json;
import io.chain429.core.Outcome;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.security.Caller;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What is remembered of one finished request: who asked, which chain, every attempt with its outcome and why, how it
 * was answered, tokens and timings. Never a key, never any message text — only names from the configuration, reason
 * codes, 429chain's own one-line details and numbers — so it can be written to a file and shown to operators as it is.
 *
 * @param servedBy         the {@code provider/model} that answered; null when no step did
 * @param promptTokens     as the provider counted them; null when it did not say
 * @param completionTokens as the provider counted them; null when it did not say
 * @param ttftMs           time to first token of a stream, from the request's arrival; null for a JSON answer
 * @param streamError      why a stream ended with an error event after its commit point; null when it did not
 * @param client           the client's id ({@code anonymous} without client keys)
 */
public record RequestRecord(
        Instant time,
        String chain,
        String servedBy,
        List<Try> attempts,
        int status,
        boolean stream,
        Long promptTokens,
        Long completionTokens,
        Double ttftMs,
        long totalMs,
        String streamError,
        String client) {

    private static final Pattern WORD_BOUNDARY = Pattern.compile("([a-z])([A-Z])");

    /**
     * One attempt at one step.
     *
     * @param outcome the outcome's class ({@code success}, {@code rate_limited}, {@code failed}, ...)
     * @param reason  its reason code ({@code ok}, {@code connect_refused}, {@code http_503}, {@code circuit_open}, ...)
     * @param detail  why, in one line of 429chain's own words (never an upstream body); null for an answer
     * @param sent    false for a step skipped without a request
     */
    public record Try(String step, String outcome, String reason, String detail, boolean sent) {

        /** The provider id of the step ({@code groq} of {@code groq/llama-3.1-8b-instant}). */
        public String providerId() {
            return step.substring(0, step.indexOf('/'));
        }

        /** A request the provider answered with a completion or a stream. */
        public boolean answered() {
            return outcome.equals("success") || outcome.equals("streaming");
        }

        /** An attempt cut short because the client left: nothing to hold against the provider. */
        public boolean clientGone() {
            return reason.equals(Reason.CLIENT_GONE);
        }
    }

    public RequestRecord {
        attempts = List.copyOf(attempts);
    }

    /** The request as its waterfall ends, now. */
    public static RequestRecord of(Waterfall waterfall, Caller caller) {
        List<Attempt> attempts = waterfall.attempts();
        JsonNode usage = waterfall.usage().orElse(null);
        return new RequestRecord(
                Instant.now(),
                waterfall.chainName(),
                waterfall.answeredBy().map(Step::toString).orElse(null),
                attempts.stream().map(RequestRecord::tried).toList(),
                waterfall.status(),
                waterfall.request().stream(),
                tokens(usage, "prompt_tokens"),
                tokens(usage, "completion_tokens"),
                waterfall.timeToFirstTokenNanos().map(nanos -> Math.round(nanos / 1e5) / 10.0).orElse(null),
                (System.nanoTime() - waterfall.request().receivedNanos()) / 1_000_000,
                waterfall.streamFailure().map(Reason::toString).orElse(null),
                caller == null ? null : caller.id());
    }

    /**
     * A request the client did not get a whole answer to: an error status, or a stream that ended in an error. A client
     * that left before its answer did not see a failure.
     */
    public boolean failed() {
        return (status != 200 && status != Outcome.ClientGone.STATUS) || streamError != null;
    }

    /**
     * The request log's line: {@code time, chain, servedBy, attempts[{step, outcome, reason, detail, sent}], status, stream,
     * promptTokens, completionTokens, ttftMs} (streams only){@code , totalMs, streamError} (only when a stream failed)
     * {@code , client}.
     */
    public ObjectNode toJson() {
        ObjectNode line = Json.object().put("time", time.toString()).put("chain", chain).put("servedBy", servedBy);
        ArrayNode tried = line.putArray("attempts");
        for (Try a : attempts) {
            ObjectNode attempt = tried.addObject().put("step", a.step()).put("outcome", a.outcome()).put("reason", a.reason());
            if (a.detail() != null) {
                attempt.put("detail", a.detail());
            }
            attempt.put("sent", a.sent());
        }
        line.put("status", status).put("stream", stream).put("promptTokens", promptTokens).put("completionTokens", completionTokens);
        if (ttftMs != null) {
            line.put("ttftMs", ttftMs);
        }
        line.put("totalMs", totalMs);
        if (streamError != null) {
            line.put("streamError", streamError);
        }
        return line.put("client", client);
    }

    private static Try tried(Attempt attempt) {
        Reason reason = attempt.outcome().reason();
        return new Try(attempt.step().toString(), outcomeClass(attempt.outcome()), reason.code(), reason.detail(), attempt.sent());
    }

    /** {@code RateLimited} → {@code rate_limited}: the outcome's kind. */
    static String outcomeClass(Outcome outcome) {
        return WORD_BOUNDARY.matcher(outcome.getClass().getSimpleName()).replaceAll("$1_$2").toLowerCase(Locale.ROOT);
    }

    private static Long tokens(JsonNode usage, String field) {
        JsonNode count = usage == null ? null : usage.get(field);
        return count != null && count.canConvertToLong() ? count.asLong() : null;
    }
}
