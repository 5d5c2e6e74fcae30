package io.chain429.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.Json;
import io.chain429.usage.RequestRecord;
import io.chain429.usage.Usage;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /v1/stats} on the management port: the usage totals per provider and per chain (today, UTC, and since
 * start), the recent requests (newest first, as their request log lines) and the request log's file and dropped lines.
 * Anything else falls through.
 */
public final class StatsHandler extends Handler.Abstract {

    public static final String PATH = "/v1/stats";

    private final Usage usage;

    public StatsHandler(Usage usage) {
        this.usage = usage;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (!Request.getPathInContext(request).equals(PATH)) {
            return false;
        }
        if (ReadOnlyRequests.refused(request, response, callback)) {
            return true;
        }
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(response, true, stats().toString() + "\n", callback);
        return true;
    }

    private ObjectNode stats() {
        ObjectNode stats = Json.object();
        stats.set("providers", Json.MAPPER.valueToTree(usage.totals().providers()));
        stats.set("chains", Json.MAPPER.valueToTree(usage.totals().chains()));
        ArrayNode recent = stats.putArray("recentRequests");
        usage.recent().newestFirst().stream().map(RequestRecord::toJson).forEach(recent::add);
        stats.putObject("requestLog").put("file", usage.log().file().toString()).put("droppedLines", usage.log().dropped());
        return stats;
    }
}
