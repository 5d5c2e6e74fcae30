package io.chain429.api;

import io.chain429.core.ApiException;
import io.chain429.core.OpenAiError;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * {@code GET /v1/models/{id}}: one model of {@code GET /v1/models}, which several clients ask for before they use it;
 * else OpenAI's 404 {@code model_not_found}. A step's id holds '/' ({@code groq/llama-3.1-8b-instant}), so the id is
 * all of the path after {@code /v1/models/}, percent-decoded: clients that encode it ({@code groq%2Fllama...}) and
 * clients that do not both find it.
 */
public final class RetrieveModel implements Processor {

    private static final String PREFIX = "/v1/models/";

    private final ServedModels models;

    public RetrieveModel(ServedModels models) {
        this.models = models;
    }

    @Override
    public void process(Exchange exchange) {
        String id = id(exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class));
        HttpReplies.json(exchange.getMessage(), 200, models.find(id).orElseThrow(() -> new ApiException(404,
                OpenAiError.invalidRequest("The model '" + printable(id) + "' does not exist: GET /v1/models lists the"
                        + " chains and provider/model steps 429chain serves.", "model", "model_not_found"))));
    }

    /** A client-chosen id as it may appear in a message: short, without control characters. */
    private static String printable(String id) {
        String cut = id.length() > 200 ? id.substring(0, 200) + "…" : id;
        return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /** The id in a request target such as {@code /v1/models/groq%2Fllama-3.1-8b-instant?x=1}. */
    static String id(String target) {
        if (target == null) {
            return "";
        }
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        int start = path.indexOf(PREFIX);
        String raw = start < 0 ? "" : path.substring(start + PREFIX.length());
        try {
            // percent-decoding only: a '+' in a path is a plus, not a space
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformedEscape) {
            return raw; // names no model: a 404 like any unknown id
        }
    }
}
