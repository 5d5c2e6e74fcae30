package io.chain429.api;

import io.chain429.chain.Waterfall;
import io.chain429.security.Caller;
import io.chain429.usage.RequestRecord;
import io.chain429.usage.Usage;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each request at its end — never per chunk, never a key or any message text — as one {@link RequestRecord}:
 * a JSON line in the request log file, an entry of the recent requests, and its part of the usage totals; and, when
 * {@code CHAIN429_REQUEST_LOG_CONSOLE} asks for it, the same line on the console (logger {@code io.chain429.requests}).
 */
public final class LogRequest implements Processor {

    private static final Logger CONSOLE = LoggerFactory.getLogger("io.chain429.requests");

    private final Usage usage;
    private final boolean console;

    public LogRequest(Usage usage, boolean console) {
        this.usage = usage;
        this.console = console;
    }

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        if (waterfall == null) {
            return;
        }
        RequestRecord request = RequestRecord.of(waterfall, exchange.getProperty(Caller.PROPERTY, Caller.class));
        usage.add(request);
        if (console) {
            CONSOLE.info("{}", request.toJson());
        }
    }
}
