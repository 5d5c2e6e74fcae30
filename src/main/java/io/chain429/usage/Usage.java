package io.chain429.usage;

/**
 * Where finished requests are kept: the request log file, the recent requests, and the totals. One per gateway; read
 * by the {@code io.chain429:type=Usage} MBean and {@code GET /v1/stats}.
 */
public record Usage(RequestLogFile log, RecentRequests recent, UsageTotals totals) {

    /** Keeps one finished request everywhere; cheap and never blocking (the file is written by its own thread). */
    public void add(RequestRecord request) {
        recent.add(request);
        totals.add(request);
        log.append(() -> request.toJson().toString());
    }
}
