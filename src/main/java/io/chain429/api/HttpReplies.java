package io.chain429.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.chain429.core.Json;
import io.chain429.core.OpenAiError;
import java.nio.ByteBuffer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/** Writes 429chain's answers. Every reply starts from no headers, so nothing the client sent is echoed back. */
final class HttpReplies {

    private HttpReplies() {
    }

    static void json(Message message, int status, JsonNode body) {
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        // Camel writes a ByteBuffer in one call, with its Content-Length; a byte[] would be converted to an InputStream
        // that Camel pumps out through blocking reads on worker threads, several thread hand-offs per reply.
        message.setBody(ByteBuffer.wrap(Json.bytes(body)));
    }

    static void error(Message message, int status, OpenAiError error) {
        json(message, status, error.toJson());
    }
}
