package io.chain429.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig;
import io.chain429.core.Json;
import io.chain429.core.ProviderError;
import io.chain429.provider.OpenAiCompatibleAdapter;
import io.chain429.provider.UpstreamResponse;
import io.chain429.ratelimit.GoDuration;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google AI Studio (Gemini API) through its OpenAI-compatible endpoint. Errors come wrapped in a JSON array with
 * Google's {@code status} and {@code details}; a 429 tells its wait in a {@code RetryInfo} detail or in the message,
 * and a per-day quota comes back at midnight US Pacific. A bad key is a 400, not a 401. Gemma models accept neither
 * system messages nor tools.
 */
public final class GeminiAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://generativelanguage.googleapis.com/v1beta/openai");

    /** Where Gemini's daily quotas reset. */
    public static final ZoneId QUOTA_ZONE = ZoneId.of("America/Los_Angeles");

    private static final Pattern RETRY_IN =
            Pattern.compile("retry in\\s+((?:\\d+(?:\\.\\d+)?(?:ns|us|µs|μs|ms|s|m|h))+)", Pattern.CASE_INSENSITIVE);
    private static final String API_KEY_INVALID = "API_KEY_INVALID";

    public GeminiAdapter() {
        super("gemini", DEFAULT_BASE_URL);
    }

    /** Gemma: system and developer messages go into the first user turn; tools are dropped. */
    @Override
    protected void shapeBody(ObjectNode body, String model, ProviderConfig provider) {
        if (!isGemma(model)) {
            return;
        }
        body.remove(List.of("tools", "tool_choice", "parallel_tool_calls"));
        JsonNode messages = body.get("messages");
        if (messages != null && messages.isArray()) {
            mergeSystemIntoFirstUser((ArrayNode) messages);
        }
    }

    static boolean isGemma(String model) {
        String id = model == null ? "" : model.toLowerCase(Locale.ROOT);
        if (id.startsWith("models/")) {
            id = id.substring("models/".length());
        }
        return id.startsWith("gemma");
    }

    private static void mergeSystemIntoFirstUser(ArrayNode messages) {
        List<String> systemTexts = new ArrayList<>();
        int firstSystem = -1;
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode message = messages.get(i);
            String role = Json.text(message, "role");
            if ("system".equals(role) || "developer".equals(role)) {
                String text = contentText(message.get("content"));
                if (!text.isBlank()) {
                    systemTexts.add(0, text);
                }
                messages.remove(i);
                firstSystem = i;
            }
        }
        if (systemTexts.isEmpty()) {
            return;
        }
        String system = String.join("\n\n", systemTexts);
        for (JsonNode message : messages) {
            if ("user".equals(Json.text(message, "role")) && message.isObject()) {
                prepend((ObjectNode) message, system);
                return;
            }
        }
        // No user turn at all: the instructions become one.
        ObjectNode user = Json.object().put("role", "user").put("content", system);
        messages.insert(Math.min(firstSystem, messages.size()), user);
    }

    private static void prepend(ObjectNode user, String system) {
        JsonNode content = user.get("content");
        if (content != null && content.isArray()) {
            ArrayNode parts = (ArrayNode) content;
            JsonNode first = parts.isEmpty() ? null : parts.get(0);
            if (first != null && first.isObject() && "text".equals(Json.text(first, "type")) && first.path("text").isTextual()) {
                ((ObjectNode) first).put("text", system + "\n\n" + first.get("text").asText());
            } else {
                parts.insert(0, Json.object().put("type", "text").put("text", system + "\n\n"));
            }
        } else {
            String text = content != null && content.isTextual() ? content.asText() : "";
            user.put("content", text.isEmpty() ? system : system + "\n\n" + text);
        }
    }

    /** A string, or an array of parts of which the text ones count. */
    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        List<String> texts = new ArrayList<>();
        content.forEach(part -> {
            if (part.path("text").isTextual()) {
                texts.add(part.get("text").asText());
            }
        });
        return String.join("\n", texts);
    }

    /**
     * The base reads {@code message}, {@code status} (as the type) and the numeric {@code code}; Google's
     * machine-readable reason ({@code ErrorInfo.reason}, e.g. {@code API_KEY_INVALID}) replaces that number as the
     * code when present, since the number only repeats the HTTP status.
     */
    @Override
    protected ProviderError parseError(UpstreamResponse response) {
        ProviderError base = super.parseError(response);
        return errorInfoReason(errorObject(response))
                .map(reason -> new ProviderError(base.message(), base.type(), reason, base.param()))
                .orElse(base);
    }

    /** A bad key: 400 {@code INVALID_ARGUMENT} naming {@code API_KEY_INVALID} or saying "API key not valid". */
    @Override
    protected boolean isAuthError(int status, ProviderError error) {
        if (status != 400 || !"INVALID_ARGUMENT".equals(error.type())) {
            return false;
        }
        String message = error.message().toLowerCase(Locale.ROOT);
        return API_KEY_INVALID.equals(error.code())
                || message.contains("api_key_invalid")
                || message.contains("api key not valid");
    }

    /**
     * A per-day quota: the next midnight US Pacific. Otherwise the {@code RetryInfo} delay, else the delay in the
     * message ("Please retry in 52.45s"), else the generic headers.
     */
    @Override
    protected Optional<Instant> resetAt(UpstreamResponse response, ProviderError error, Instant now) {
        JsonNode body = errorObject(response);
        if (perDayQuota(body)) {
            return Optional.of(nextQuotaMidnight(now));
        }
        return retryInfoDelay(body)
                .or(() -> messageDelay(body))
                .map(now::plus)
                .or(() -> super.resetAt(response, error, now));
    }

    /** The first midnight in {@link #QUOTA_ZONE} strictly after {@code now}. */
    public static Instant nextQuotaMidnight(Instant now) {
        return now.atZone(QUOTA_ZONE).toLocalDate().plusDays(1).atStartOfDay(QUOTA_ZONE).toInstant();
    }

    /** The {@code error} object of the raw body, unwrapping Google's array; null when there is none. */
    private static JsonNode errorObject(UpstreamResponse response) {
        JsonNode node = Json.parseOrNull(response.body());
        if (node != null && node.isArray()) {
            node = node.isEmpty() ? null : node.get(0);
        }
        JsonNode error = node == null ? null : node.get("error");
        return error != null && error.isObject() ? error : null;
    }

    private static Iterable<JsonNode> details(JsonNode error) {
        JsonNode details = error == null ? null : error.get("details");
        return details != null && details.isArray() ? details : List.of();
    }

    private static boolean isDetail(JsonNode detail, String typeSuffix) {
        String type = Json.text(detail, "@type");
        return type != null && type.endsWith(typeSuffix);
    }

    private static boolean perDayQuota(JsonNode error) {
        for (JsonNode detail : details(error)) {
            for (JsonNode violation : detail.path("violations")) {
                String quotaId = Json.text(violation, "quotaId");
                if (quotaId != null && quotaId.contains("PerDay")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Optional<Duration> retryInfoDelay(JsonNode error) {
        for (JsonNode detail : details(error)) {
            if (isDetail(detail, "RetryInfo")) {
                Optional<Duration> delay = GoDuration.parse(Json.text(detail, "retryDelay"));
                if (delay.isPresent()) {
                    return delay;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Duration> messageDelay(JsonNode error) {
        String message = Json.text(error, "message");
        if (message == null) {
            return Optional.empty();
        }
        Matcher matcher = RETRY_IN.matcher(message);
        return matcher.find() ? GoDuration.parse(matcher.group(1)) : Optional.empty();
    }

    private static Optional<String> errorInfoReason(JsonNode error) {
        for (JsonNode detail : details(error)) {
            String reason = Json.text(detail, "reason");
            if (isDetail(detail, "ErrorInfo") && reason != null && !reason.isBlank()) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }
}
