package io.chain429.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.core.Json;
import io.chain429.core.OpenAiError;
import io.chain429.core.Outcome;
import io.chain429.core.ProviderError;
import io.chain429.core.Reason;
import io.chain429.core.Redactor;
import io.chain429.ratelimit.Dimension;
import io.chain429.ratelimit.LimitObservation;
import io.chain429.ratelimit.RetryAfter;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The base adapter: a server that speaks OpenAI's chat-completions API. Every other adapter extends it and
 * overrides only the hooks its provider needs, so each quirk lives in exactly one class.
 */
public class OpenAiCompatibleAdapter implements ProviderAdapter {

    /** Long enough to explain a rejection to the client, short enough that no upstream page is relayed. */
    private static final int MAX_MESSAGE_LENGTH = 300;
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");

    private static final Set<String> TOP_LEVEL_FIELDS =
            Set.of("id", "object", "created", "model", "choices", "usage", "system_fingerprint", "service_tier");
    private static final Set<String> CHOICE_FIELDS = Set.of("index", "message", "finish_reason", "logprobs");
    private static final Set<String> MISCONFIGURED_MODEL_CODES = Set.of("model_not_found", "model_decommissioned", "model_not_available");

    private final String type;
    private final Optional<URI> defaultBaseUrl;
    private final boolean requiresApiKey;
    /** Each configured base URL's chat-completions URI, built once rather than parsed on every call. */
    private final Map<URI, URI> completionsUris = new ConcurrentHashMap<>();

    /** The generic type: any OpenAI-compatible server at a configured URL; local ones (llama.cpp, vLLM, Ollama) need no key. */
    public OpenAiCompatibleAdapter() {
        this("openai-compatible", Optional.empty(), false);
    }

    /** A hosted provider: known URL, key required. */
    protected OpenAiCompatibleAdapter(String type, URI defaultBaseUrl) {
        this(type, Optional.of(defaultBaseUrl), true);
    }

    protected OpenAiCompatibleAdapter(String type, Optional<URI> defaultBaseUrl, boolean requiresApiKey) {
        this.type = type;
        this.defaultBaseUrl = defaultBaseUrl;
        this.requiresApiKey = requiresApiKey;
    }

    @Override
    public final String type() {
        return type;
    }

    @Override
    public final Optional<URI> defaultBaseUrl() {
        return defaultBaseUrl;
    }

    @Override
    public final boolean requiresApiKey() {
        return requiresApiKey;
    }

    @Override
    public UpstreamRequest prepare(ProviderConfig provider, String model, ObjectNode clientBody) {
        ObjectNode body = clientBody.deepCopy();
        body.put("model", model);
        shapeBody(body, model, provider);
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json");
        headers.putAll(extraHeaders(provider));
        return new UpstreamRequest(completionsUris.computeIfAbsent(provider.baseUrl(), OpenAiCompatibleAdapter::chatCompletionsUri),
                headers, Json.bytes(body), provider.apiKey());
    }

    /** Hook: remove or cap what this provider rejects. {@code model} is already set; {@code provider} is its config. */
    protected void shapeBody(ObjectNode body, String model, ProviderConfig provider) {
    }

    /** Hook: headers this provider wants besides content negotiation and the key. */
    protected Map<String, String> extraHeaders(ProviderConfig provider) {
        return Map.of();
    }

    @Override
    public Outcome classify(UpstreamResponse response, String model, Instant now) {
        int status = response.status();
        if (status >= 200 && status < 300) {
            return classifySuccess(response, model, now);
        }
        ProviderError error = parseError(response);
        if (status == 429) {
            return new Outcome.RateLimited(resetAt(response, error, now));
        }
        if (status == 402) {
            return new Outcome.PaymentRequired();
        }
        if (status == 401 || status == 403 || isAuthError(status, error)) {
            return new Outcome.AuthFailed(status);
        }
        if (status == 400 || status == 422) {
            if (isContextLengthError(error)) {
                return new Outcome.Unsuitable(Reason.of(Reason.CONTEXT_TOO_LONG, "the request is longer than the model's context (HTTP " + status + ")"));
            }
            if (error.code() != null && MISCONFIGURED_MODEL_CODES.contains(error.code())) {
                return new Outcome.Failed(Reason.MODEL_UNAVAILABLE, "the provider does not serve this model now (" + error.code() + ")");
            }
            return new Outcome.ClientError(400, clientError(error));
        }
        if (status == 404) {
            return new Outcome.Failed(Reason.http(404, "model or endpoint not found (HTTP 404)"));
        }
        if (status == 413) {
            return new Outcome.Failed(Reason.http(413, "request too large for this provider (HTTP 413)"));
        }
        return new Outcome.Failed(Reason.http(status, (status >= 500 ? "server error (HTTP " + status : "unexpected answer (HTTP " + status)
                + bodyKind(response) + ")"));
    }

    @Override
    public ChunkReader chunkReader(String model, Instant now) {
        return new ChunkReader(model, now, this::finishReason, this::parseErrorNode);
    }

    /** An error event before the first token is classified like the HTTP error it stands for, when its code says. */
    @Override
    public Outcome classifyStreamError(ProviderError error, Instant now) {
        String code = error.code() == null ? "" : error.code();
        String text = (code + " " + error.type() + " " + error.message()).toLowerCase(Locale.ROOT);
        if (code.equals("429") || text.contains("rate_limit") || text.contains("rate limit") || text.contains("resource_exhausted")) {
            return new Outcome.RateLimited(Optional.empty());
        }
        if (code.equals("402")) {
            return new Outcome.PaymentRequired();
        }
        if (code.equals("401") || code.equals("403")) {
            return new Outcome.AuthFailed(Integer.parseInt(code));
        }
        return new Outcome.Failed(Reason.ERROR_EVENT, "the stream sent an error event before its first token");
    }

    /** "; an HTML page" and the like: what an operator needs to tell a proxy's error page from the provider's. */
    private static String bodyKind(UpstreamResponse response) {
        String type = response.contentType();
        if (type.startsWith("text/html")) {
            return "; the body was an HTML page";
        }
        if (response.body().length == 0) {
            return "; the body was empty";
        }
        return type.isEmpty() || type.contains("json") ? "" : "; the body was " + type.split(";")[0].strip();
    }

    /** A 2xx only counts when it holds a completion: some servers answer 200 with an error body. */
    protected Outcome classifySuccess(UpstreamResponse response, String model, Instant now) {
        if (response.contentType().startsWith("text/event-stream")) {
            return StreamAggregator.aggregate(response.body(), chunkReader(model, now))
                    .<Outcome>map(completion -> new Outcome.Success(completion))
                    .orElseGet(() -> new Outcome.Failed(Reason.MALFORMED_RESPONSE, "an event stream without a complete answer"));
        }
        JsonNode node = Json.parseOrNull(response.body());
        if (node == null) {
            return new Outcome.Failed(Reason.MALFORMED_RESPONSE, "HTTP " + response.status() + " without a JSON completion" + bodyKind(response));
        }
        if (!node.isObject() || node.has("error")) {
            return new Outcome.Failed(Reason.MALFORMED_RESPONSE, "an error inside an HTTP " + response.status() + " response");
        }
        JsonNode choices = node.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            return new Outcome.Failed(Reason.MALFORMED_RESPONSE, "an HTTP " + response.status() + " response without choices");
        }
        return new Outcome.Success(normalize((ObjectNode) node, model, now));
    }

    /** Brings a completion to OpenAI's schema exactly, keeping the model name the provider reported. */
    protected ObjectNode normalize(ObjectNode upstream, String model, Instant now) {
        ObjectNode out = Json.object();
        out.put("id", textOr(upstream, "id", "chatcmpl-" + UUID.randomUUID().toString().replace("-", "")));
        out.put("object", "chat.completion");
        JsonNode created = upstream.get("created");
        out.put("created", created != null && created.canConvertToLong() ? created.asLong() : now.getEpochSecond());
        out.put("model", textOr(upstream, "model", model));
        ArrayNode choices = out.putArray("choices");
        int index = 0;
        for (JsonNode choice : upstream.get("choices")) {
            ObjectNode normalized = Json.object();
            normalized.put("index", choice.path("index").canConvertToInt() ? choice.path("index").asInt() : index);
            JsonNode message = choice.get("message");
            ObjectNode msg = message != null && message.isObject() ? ((ObjectNode) message).deepCopy() : Json.object();
            if (!msg.path("role").isTextual()) {
                msg.put("role", "assistant");
            }
            if (!msg.has("content")) {
                msg.putNull("content");
            }
            normalized.set("message", msg);
            choice.fields().forEachRemaining(field -> {
                if (CHOICE_FIELDS.contains(field.getKey()) && !normalized.has(field.getKey())) {
                    normalized.set(field.getKey(), field.getValue());
                }
            });
            JsonNode finish = choice.get("finish_reason");
            if (finish != null && finish.isTextual()) {
                normalized.put("finish_reason", finishReason(finish.asText()));
            } else {
                normalized.putNull("finish_reason");
            }
            choices.add(normalized);
            index++;
        }
        upstream.fields().forEachRemaining(field -> {
            if (TOP_LEVEL_FIELDS.contains(field.getKey()) && !out.has(field.getKey())) {
                out.set(field.getKey(), field.getValue());
            }
        });
        return out;
    }

    /** Maps the many spellings of "why generation stopped" to OpenAI's vocabulary. */
    protected String finishReason(String raw) {
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "stop", "end_turn", "eos", "stop_sequence", "end" -> "stop";
            case "length", "max_tokens", "model_length" -> "length";
            case "tool_calls", "tool_use", "tool_call" -> "tool_calls";
            case "content_filter", "safety", "recitation", "blocklist", "prohibited_content", "spii" -> "content_filter";
            case "function_call" -> "function_call";
            default -> "stop";
        };
    }

    /** Reads an error in any of the shapes seen in the wild: OpenAI's object, a bare string, an array, HTML, text. */
    protected ProviderError parseError(UpstreamResponse response) {
        JsonNode node = Json.parseOrNull(response.body());
        return node == null ? ProviderError.NONE : parseErrorNode(node); // HTML or text: nothing worth relaying
    }

    /** Reads a parsed error body or in-band error event. */
    protected ProviderError parseErrorNode(JsonNode node) {
        if (node.isArray() && !node.isEmpty()) {
            node = node.get(0);
        }
        JsonNode error = node.get("error");
        if (error == null) {
            error = node;
        }
        if (error.isTextual()) {
            return new ProviderError(clip(error.asText()), null, null, null);
        }
        JsonNode code = error.get("code");
        return new ProviderError(
                clip(Optional.ofNullable(Json.text(error, "message")).orElse("")),
                Optional.ofNullable(Json.text(error, "type")).orElse(Json.text(error, "status")),
                code == null || code.isNull() ? null : code.asText(),
                Json.text(error, "param"));
    }

    /** When a 429 says the quota comes back; empty when it does not say (the default cooldown applies). */
    protected Optional<Instant> resetAt(UpstreamResponse response, ProviderError error, Instant now) {
        return RetryAfter.fromHeaders(response.headers(), now).or(() -> exhaustedUntil(response, now));
    }

    /** The latest reset among the dimensions this provider's own headers report as used up (remaining 0). */
    private Optional<Instant> exhaustedUntil(UpstreamResponse response, Instant now) {
        return observeLimits(response.headers(), now).stream()
                .filter(LimitObservation::exhausted)
                .flatMap(observation -> observation.resetAt().stream())
                .max(Instant::compareTo);
    }

    /**
     * OpenAI's dialect: {@code x-ratelimit-{limit,remaining,reset}-requests} (requests per minute) and
     * {@code -tokens} (tokens per minute), resets as Go durations ({@code 6m0s}, {@code 1s}, {@code 350ms}).
     */
    @Override
    public List<LimitObservation> observeLimits(HttpHeaders headers, Instant now) {
        return openAiStyleLimits(headers, Dimension.RPM, Dimension.TPM, now);
    }

    /**
     * The {@code x-ratelimit-*-requests} and {@code x-ratelimit-*-tokens} header sets with Go-duration resets, read as
     * the given dimensions (providers reusing OpenAI's names give them other windows); requests first.
     */
    protected static List<LimitObservation> openAiStyleLimits(HttpHeaders headers, Dimension requests, Dimension tokens,
                                                              Instant now) {
        return Stream.of(openAiStyleLimit(headers, "requests", requests, now), openAiStyleLimit(headers, "tokens", tokens, now))
                .flatMap(Optional::stream)
                .toList();
    }

    private static Optional<LimitObservation> openAiStyleLimit(HttpHeaders headers, String suffix, Dimension dimension,
                                                               Instant now) {
        return LimitObservation.fromHeaders(headers, dimension, "x-ratelimit-limit-" + suffix,
                "x-ratelimit-remaining-" + suffix, "x-ratelimit-reset-" + suffix,
                LimitObservation.ResetFormat.GO_DURATION, now);
    }

    /** Hook for providers that signal a bad key with another status than 401/403. */
    protected boolean isAuthError(int status, ProviderError error) {
        return false;
    }

    protected boolean isContextLengthError(ProviderError error) {
        String code = error.code() == null ? "" : error.code();
        String message = error.message().toLowerCase(Locale.ROOT);
        return code.equals("context_length_exceeded")
                || message.contains("context length")
                || message.contains("context_length")
                || message.contains("maximum context")
                || message.contains("context window")
                || message.contains("too many tokens")
                || message.contains("reduce the length");
    }

    /** What the client sees when its own request was wrong: the provider's reason, never its raw body. */
    protected OpenAiError clientError(ProviderError error) {
        String reason = error.message().isEmpty() ? "the provider rejected the request as invalid" : error.message();
        return new OpenAiError(reason, "invalid_request_error", error.param(),
                error.code() == null || error.code().matches("\\d+") ? "invalid_request" : error.code());
    }

    protected static URI chatCompletionsUri(URI baseUrl) {
        String base = baseUrl.toString();
        return URI.create(base.endsWith("/") ? base + "chat/completions" : base + "/chat/completions");
    }

    /** One line, short, and with anything shaped like a key masked: some providers quote the key they were sent. */
    protected static String clip(String text) {
        String oneLine = Redactor.redact(WHITESPACE.matcher(text).replaceAll(" ").trim());
        return oneLine.length() <= MAX_MESSAGE_LENGTH ? oneLine : oneLine.substring(0, MAX_MESSAGE_LENGTH) + "…";
    }

    private static String textOr(JsonNode node, String field, String fallback) {
        String value = Json.text(node, field);
        return value == null || value.isEmpty() ? fallback : value;
    }
}
