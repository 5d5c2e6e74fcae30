package io.chain429.api;

import io.chain429.chain.Attempt;
import io.chain429.chain.Waterfall;
import java.util.List;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per request, at its end: never one per chunk. Says which step served it after how many attempts,
 * with what status, tokens, time to first token and total time.
 */
public final class LogRequest implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("io.chain429.requests");

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        if (waterfall == null || !LOG.isInfoEnabled()) {
            return;
        }
        List<Attempt> attempts = waterfall.attempts();
        long totalNanos = System.nanoTime() - waterfall.request().receivedNanos();
        LOG.info("chain={} served-by={} attempts={} status={} stream={} tokens={} ttft={} total={}ms{}",
                waterfall.chainName(),
                attempts.isEmpty() ? "-" : attempts.get(attempts.size() - 1).step(),
                waterfall.sentCount(),
                waterfall.status(),
                waterfall.request().stream(),
                waterfall.usage().map(u -> u.path("total_tokens").asText("-")).orElse("-"),
                waterfall.timeToFirstTokenNanos().map(n -> String.format(Locale.ROOT, "%.1fms", n / 1e6)).orElse("-"),
                totalNanos / 1_000_000,
                waterfall.streamFailure().map(f -> " stream-error=\"" + f + "\"").orElse(""));
    }
}
