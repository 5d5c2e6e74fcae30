package io.chain429.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** {@code GET /health} and {@code GET /metrics} on the management port; anything else falls through (404). */
final class OpsHandler extends Handler.Abstract {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HealthSource health;
    private final PrometheusMeterRegistry registry;

    OpsHandler(HealthSource health, PrometheusMeterRegistry registry) {
        this.health = health;
        this.registry = registry;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws JsonProcessingException {
        String path = Request.getPathInContext(request);
        if (!path.equals("/health") && !path.equals("/metrics")) {
            return false;
        }
        if (ReadOnlyRequests.refused(request, response, callback)) {
            return true;
        }
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        if (path.equals("/health")) {
            HealthReport.Result result = HealthReport.of(health);
            response.setStatus(result.httpStatus());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            Content.Sink.write(response, true, JSON.writeValueAsString(result.body()) + "\n", callback);
        } else {
            String accept = request.getHeaders().get(HttpHeader.ACCEPT);
            boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
            String body = openMetrics ? registry.scrape(OPENMETRICS_TEXT) : registry.scrape();
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, openMetrics ? OPENMETRICS_TEXT : PROMETHEUS_TEXT);
            Content.Sink.write(response, true, body, callback);
        }
        return true;
    }
}
