package io.chain429.security;

import io.chain429.core.Json;
import io.chain429.core.OpenAiError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the HTTP server's own refusals OpenAI-shaped. Some requests are refused by Vert.x before (or outside) any
 * Camel route: a body over {@code camel.server.maxBodySize} (Vert.x's body handler answers a bare {@code 413 Request
 * Entity Too Large} while reading it), a path no route serves (an HTML 404 page), a method a route does not take (an
 * empty 405), and a failure Camel hands back to Vert.x (a bare 500). With a failure handler and a last, catch-all
 * route on the API router, each of them is {@code {"error":{"message","type","param","code"}}} like every other
 * 429chain error.
 */
public final class HttpServerErrors {

    private static final Logger LOG = LoggerFactory.getLogger(HttpServerErrors.class);
    private static final String FAILURES = "429chain-openai-errors";
    private static final String UNMATCHED = "429chain-unknown-url";

    private HttpServerErrors() {
    }

    /** Installs the handlers on every API router (not a management one) of this context's platform-http server. */
    public static void install(CamelContext context) {
        int installed = 0;
        for (VertxPlatformHttpRouter router : context.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
            if (!router.isManagementServer()) {
                install(router);
                installed++;
            }
        }
        if (installed == 0) {
            LOG.warn("no platform-http router found: Vert.x's own 404, 405 and 413 answers stay non-OpenAI-shaped");
        }
    }

    private static synchronized void install(VertxPlatformHttpRouter router) {
        if (router.getRoutes().stream().anyMatch(r -> Objects.equals(r.getName(), FAILURES))) {
            return; // already installed (a route restarted)
        }
        Long limit = router.getServer() != null ? router.getServer().getMaxBodySize() : null;
        String tooLarge = limit != null && limit >= 0
                ? "The request body is larger than 429chain's limit of " + limit + " bytes."
                : "The request body is too large.";
        router.route().setName(FAILURES).failureHandler(ctx -> {
            int status = ctx.statusCode();
            if (status == 413) {
                write(ctx, 413, OpenAiError.invalidRequest(tooLarge, null, "request_too_large"), true);
            } else if (status >= 400 && status < 500) {
                write(ctx, status, OpenAiError.invalidRequest("The request was refused (HTTP " + status + ").", null,
                        clientErrorCode(status)), true);
            } else {
                write(ctx, 500, OpenAiError.server("429chain failed to handle the request; its log has the details.",
                        "internal_error"), false);
            }
        });
        // runs only when no route took the request: an unknown path, or a known one with another method
        router.route().setName(UNMATCHED).last().handler(ctx -> {
            String path = ctx.request().path();
            boolean known = router.getRoutes().stream()
                    .anyMatch(r -> r.getPath() != null && !r.getPath().isEmpty()
                            // a path ending in '*' (/v1/models/*) serves every path under it
                            && (r.isExactPath() ? r.getPath().equals(path) : path.startsWith(r.getPath()))
                            && !UNMATCHED.equals(r.getName()) && !FAILURES.equals(r.getName()));
            if (known) {
                write(ctx, 405, OpenAiError.invalidRequest("Method " + ctx.request().method() + " is not allowed on "
                        + printable(path) + ".", null, "method_not_allowed"), false);
            } else {
                write(ctx, 404, OpenAiError.invalidRequest("Unknown URL: " + ctx.request().method() + " " + printable(path)
                        + ". 429chain serves POST /v1/chat/completions, GET /v1/models, GET /v1/models/{model} and GET /v1/ratelimits.", null,
                        "unknown_url"), false);
            }
        });
    }

    private static void write(RoutingContext ctx, int status, OpenAiError error, boolean close) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        if (response.headWritten()) {
            response.end(); // cannot change a status already sent: end what was sent
            return;
        }
        // headers already set stay (CORS headers, for one): a browser must be able to read the error too
        response.setStatusCode(status).putHeader("Content-Type", "application/json");
        // (HTTP/2 has no Connection header: strict clients reject a response carrying one, and a stream is reset instead)
        if (close && !ctx.request().isEnded() && ctx.request().version() != HttpVersion.HTTP_2) {
            // the rest of the refused body is never read: the connection closes once this is written (RequestProgress)
            response.putHeader("Connection", "close");
        }
        response.end(Buffer.buffer(Json.bytes(error.toJson())));
    }

    private static String clientErrorCode(int status) {
        return switch (status) {
            case 403 -> "forbidden";
            case 408 -> "request_timeout";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 431 -> "request_headers_too_large";
            default -> "invalid_request";
        };
    }

    /** A client-chosen path as it may appear in an error message: short, without control characters. */
    private static String printable(String path) {
        if (path == null) {
            return "";
        }
        String cut = path.length() > 200 ? path.substring(0, 200) + "…" : path;
        StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
