package io.chain429.api.connection;

import io.chain429.core.Json;
import io.chain429.core.OpenAiError;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request Vert.x could not read, or whose framing {@link TransferCodings} refused, with an OpenAI-shaped
 * error (Vert.x's own answer is an empty 400) and {@code Connection: close}; Vert.x closes the connection once it is
 * written, since nothing after such a request can be read reliably.
 */
final class MalformedRequestReply implements Handler<HttpServerRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(MalformedRequestReply.class);

    private final int maxLine;
    private final int maxHeaders;
    private final ClientRefusals refusals;

    MalformedRequestReply(HttpServerOptions options, ClientRefusals refusals) {
        this.maxLine = options.getMaxInitialLineLength();
        this.maxHeaders = options.getMaxHeaderSize();
        this.refusals = refusals;
    }

    @Override
    public void handle(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status;
        OpenAiError error;
        if (cause instanceof FramingRefusal refusal) {
            status = refusal.status();
            error = OpenAiError.invalidRequest(refusal.getMessage(), null, refusal.code());
        } else if (cause instanceof TooLongHttpLineException) {
            status = 414;
            error = OpenAiError.invalidRequest("The request line is longer than 429chain's limit of " + maxLine + " bytes.", null,
                    "uri_too_long");
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 431;
            error = OpenAiError.invalidRequest("The request's headers are larger than 429chain's limit of " + maxHeaders
                    + " bytes.", null, "request_headers_too_large");
        } else {
            status = 400;
            error = OpenAiError.invalidRequest("The request is not valid HTTP/1.1.", null, "invalid_request");
        }
        refusals.count(error.code());
        LOG.debug("refused a request from {} with HTTP {}: {}", request.remoteAddress(), status,
                cause instanceof FramingRefusal || cause == null ? error.message() : error.message() + " (" + TransferCodings.printable(String.valueOf(cause.getMessage())) + ")");
        request.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close")
                .end(Buffer.buffer(Json.bytes(error.toJson())));
    }
}
