package io.chain429.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.chain.Attempt;
import io.chain429.chain.Outcome;
import io.chain429.chain.Waterfall;
import io.chain429.security.Caller;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured (JSON) log line per request, at its end — never one per chunk, never a key or any message text:
 * time, chain, the step that served it, every attempt with its outcome class, status, tokens, time to first token,
 * total time and the client's id. Written by the {@code io.chain429.requests} logger.
 */
public final class LogRequest implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("io.chain429.requests");
    private static final Pattern WORD_BOUNDARY = Pattern.compile("([a-z])([A-Z])");

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        if (waterfall == null || !LOG.isInfoEnabled()) {
            return;
        }
        LOG.info("{}", line(waterfall, exchange.getProperty(Caller.PROPERTY, Caller.class)));
    }

    static ObjectNode line(Waterfall waterfall, Caller caller) {
        List<Attempt> attempts = waterfall.attempts();
        ObjectNode line = Json.object()
                .put("time", Instant.now().toString())
                .put("chain", waterfall.chainName())
                .put("servedBy", waterfall.finished() ? attempts.get(attempts.size() - 1).step().toString() : null);
        ArrayNode tried = line.putArray("attempts");
        for (Attempt attempt : attempts) {
            tried.addObject().put("step", attempt.step().toString()).put("outcome", outcomeClass(attempt.outcome())).put("sent", attempt.sent());
        }
        line.put("status", waterfall.status()).put("stream", waterfall.request().stream());
        JsonNode usage = waterfall.usage().orElse(null);
        line.set("promptTokens", usage == null ? null : usage.get("prompt_tokens"));
        line.set("completionTokens", usage == null ? null : usage.get("completion_tokens"));
        waterfall.timeToFirstTokenNanos().ifPresent(nanos -> line.put("ttftMs", Math.round(nanos / 1e5) / 10.0));
        line.put("totalMs", (System.nanoTime() - waterfall.request().receivedNanos()) / 1_000_000);
        waterfall.streamFailure().ifPresent(failure -> line.put("streamError", failure));
        line.put("client", caller == null ? null : caller.id());
        return line;
    }

    /** {@code RateLimited} → {@code rate_limited}: the outcome's kind, never its details. */
    private static String outcomeClass(Outcome outcome) {
        return WORD_BOUNDARY.matcher(outcome.getClass().getSimpleName()).replaceAll("$1_$2").toLowerCase(Locale.ROOT);
    }
}
