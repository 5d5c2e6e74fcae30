package io.chain429.config;

import io.chain429.config.GatewayConfig.Settings;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.ProviderConfig.QuotaScope;
import io.chain429.config.ProviderConfig.Timeouts;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads and validates {@code 429chain.yaml}. Every mistake becomes a {@link ConfigException} naming the file, the
 * line and the field, so that start-up fails with one precise sentence instead of a half-working gateway.
 */
public final class ConfigLoader {

    // the fields each mapping may hold: package-private for ConfigSchemaTest, which keeps 429chain.schema.json in step
    static final List<String> ROOT_FIELDS = List.of("version", "settings", "providers", "clients");
    static final List<String> SETTINGS_FIELDS = List.of("defaultChain", "cooldownDefault", "cooldownPaymentRequired", "circuitOpenFor", "circuitMinFailures", "circuitFailureRate", "circuitWindow", "keyProbeAfter", "keyCheckEvery", "adHocModelsPerProvider", "clientLimits", "corsOrigins", "state", "redis");
    static final List<String> PROVIDER_FIELDS =
            List.of("id", "type", "baseUrl", "apiKey", "quotaScope", "limits", "timeouts");
    static final List<String> LIMIT_FIELDS = List.of("rpm", "rpd", "tpm", "tpd", "concurrency", "maxCompletionTokens");
    static final List<String> TIMEOUT_FIELDS = List.of("connect", "firstByte", "firstToken", "idle", "total");

    private static final List<String> STATE_KINDS = List.of("embedded", "redis");
    static final List<String> REDIS_FIELDS = List.of("url", "permitLease");
    private static final Pattern REDIS_URL = Pattern.compile("rediss?://\\S+");
    static final List<String> CLIENT_FIELDS = List.of("id", "key", "limits");
    static final List<String> CLIENT_LIMIT_FIELDS = List.of("rpm", "tpd");
    private static final Pattern ORIGIN = Pattern.compile("https?://[^/\\s]+");
    private static final Pattern CHAIN_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final Pattern PROVIDER_ID = Pattern.compile("[a-z0-9-]+");
    private static final Pattern GROUP_NAME = Pattern.compile("[a-z0-9_-]+");
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

    private final Path file;
    private final YamlNodes yaml;
    private final Map<String, String> environment;
    private final ProviderTypes types;

    private ConfigLoader(Path file, Map<String, String> environment, ProviderTypes types) {
        this.file = file;
        this.yaml = new YamlNodes(file.toString());
        this.environment = environment;
        this.types = types;
    }

    /**
     * @param environment what {@code ${env:NAME}} resolves against
     * @throws ConfigException for a missing file, invalid YAML or any value outside the schema
     */
    public static GatewayConfig load(Path file, Map<String, String> environment, ProviderTypes types) {
        if (!Files.exists(file)) {
            throw new ConfigException(file.toString(), 0, null,
                    "not found — copy the shipped config/429chain.yaml there and adapt it, or point CHAIN429_CONFIG_DIR at its folder");
        }
        return new ConfigLoader(file, environment, types).read();
    }

    /** Chain names end up in route ids and request bodies, hence the small alphabet. Shared with the routes loader. */
    public static String chainName(YamlNodes yaml, Node node, String field) {
        return yaml.matching(node, field, CHAIN_NAME,
                "a chain name of lower-case letters, digits, '_' and '-', starting with a letter or digit");
    }

    private GatewayConfig read() {
        Node root = YamlNodes.compose(file).orElseThrow(() ->
                new ConfigException(file.toString(), 0, null, "is empty — it needs at least 'version: 1' and 'providers:'"));
        Map<String, Node> fields = yaml.fields(yaml.mapping(root, ""), "", ROOT_FIELDS);
        checkVersion(required(fields, root, "", "version"));
        Settings settings = optional(fields, "", "settings", Settings.DEFAULT, this::settings);
        List<ProviderConfig> providers = providers(required(fields, root, "", "providers"));
        List<ClientConfig> clients = optional(fields, "", "clients", List.of(), (n, f) -> clients(n));
        return new GatewayConfig(settings, providers, clients, file.toString());
    }

    private void checkVersion(Node node) {
        int version = yaml.integer(node, "version");
        if (version != 1) {
            throw yaml.error(node, "version", "expected 1 (the only version there is), got " + version);
        }
    }

    private Settings settings(Node node, String path) {
        Map<String, Node> fields = yaml.fields(yaml.mapping(node, path), path, SETTINGS_FIELDS);
        Settings defaults = Settings.DEFAULT;
        return new Settings(
                optional(fields, path, "defaultChain", defaults.defaultChain(), (n, f) -> Optional.of(chainName(yaml, n, f))),
                optional(fields, path, "cooldownDefault", defaults.cooldownDefault(), this::duration),
                optional(fields, path, "cooldownPaymentRequired", defaults.cooldownPaymentRequired(), this::duration),
                optional(fields, path, "circuitOpenFor", defaults.circuitOpenFor(), this::positiveDuration),
                optional(fields, path, "keyProbeAfter", defaults.keyProbeAfter(), this::positiveDuration),
                optional(fields, path, "clientLimits", defaults.clientLimits(), this::clientLimits),
                optional(fields, path, "corsOrigins", defaults.corsOrigins(), this::origins),
                stateBackend(fields, node, path),
                optional(fields, path, "keyCheckEvery", defaults.keyCheckEvery(), this::duration),
                new GatewayConfig.Circuit(
                        optional(fields, path, "circuitMinFailures", defaults.circuit().minFailures(), this::positiveInteger),
                        optional(fields, path, "circuitFailureRate", defaults.circuit().failureRatePercent(), this::percent),
                        optional(fields, path, "circuitWindow", defaults.circuit().window(), this::positiveDuration)),
                optional(fields, path, "adHocModelsPerProvider", defaults.adHocModelsPerProvider(), this::positiveInteger));
    }

    /** {@code state: embedded|redis}; Redis needs {@code redis.url}, whose password comes from the environment. */
    private StateBackend stateBackend(Map<String, Node> fields, Node settings, String path) {
        String kind = optional(fields, path, "state", "embedded", (n, f) -> {
            String text = yaml.string(n, f);
            if (!STATE_KINDS.contains(text)) {
                throw yaml.error(n, f, "expected embedded or redis, got '" + text + "'" + YamlNodes.didYouMean(text, STATE_KINDS));
            }
            return text;
        });
        if (kind.equals("embedded")) {
            return StateBackend.EMBEDDED;
        }
        String redisPath = YamlNodes.path(path, "redis");
        Node redis = fields.get("redis");
        if (redis == null) {
            throw yaml.error(settings, redisPath, "is required with state: redis — e.g. redis: {url: \"${env:CHAIN429_REDIS_URL}\"}");
        }
        Map<String, Node> redisFields = yaml.fields(yaml.mapping(redis, redisPath), redisPath, REDIS_FIELDS);
        Node urlNode = required(redisFields, redis, redisPath, "url");
        String urlPath = YamlNodes.path(redisPath, "url");
        String url = substituteEnv(urlNode, urlPath, yaml.string(urlNode, urlPath).strip());
        if (!REDIS_URL.matcher(url).matches() || !hasHost(url)) {
            // the URL may carry a password: it is not repeated
            throw yaml.error(urlNode, urlPath, "expected a redis:// or rediss:// URL such as redis://:password@host:6379"
                    + ShellStyleReference.whole(url).map(fixed -> " — " + ShellStyleReference.writeInstead(fixed)).orElse(""));
        }
        return new StateBackend(StateBackend.Kind.REDIS, Optional.of(Secret.of(url)),
                optional(redisFields, redisPath, "permitLease", StateBackend.DEFAULT_PERMIT_LEASE, this::positiveDuration));
    }

    private static boolean hasHost(String url) {
        try {
            return new URI(url).getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private List<ProviderConfig> providers(Node node) {
        SequenceNode items = yaml.list(node, "providers");
        List<ProviderConfig> providers = new ArrayList<>();
        Map<String, Integer> lineById = new HashMap<>();
        for (Node item : items.getValue()) {
            String path = "providers[" + providers.size() + "]";
            ProviderConfig provider = provider(item, path);
            Integer first = lineById.putIfAbsent(provider.id(), provider.line());
            if (first != null) {
                throw yaml.error(item, path + ".id", "duplicate id '" + provider.id() + "', already used by the provider at line " + first);
            }
            providers.add(provider);
        }
        return providers;
    }

    private ProviderConfig provider(Node node, String path) {
        Map<String, Node> fields = yaml.fields(yaml.mapping(node, path), path, PROVIDER_FIELDS);
        String id = yaml.matching(required(fields, node, path, "id"), path + ".id", PROVIDER_ID,
                "an id of lower-case letters, digits and '-'");
        String type = type(required(fields, node, path, "type"), path + ".type");
        URI baseUrl = fields.containsKey("baseUrl")
                ? baseUrl(fields.get("baseUrl"), path + ".baseUrl")
                : types.defaultBaseUrl(type).orElseThrow(() ->
                        yaml.error(node, path + ".baseUrl", "is required: type '" + type + "' has no default URL"));
        Optional<String> keyVariable = optional(fields, path, "apiKey", Optional.empty(), (n, f) -> Optional.of(keyVariable(n, f)));
        Optional<Secret> apiKey = keyVariable.map(this::env).map(Secret::of);
        return new ProviderConfig(id, type, baseUrl, apiKey,
                optional(fields, path, "quotaScope", QuotaScope.MODEL, this::quotaScope),
                optional(fields, path, "limits", Limits.NONE, this::limits),
                optional(fields, path, "timeouts", Timeouts.DEFAULT, this::timeouts),
                disabledReason(type, keyVariable, apiKey),
                YamlNodes.line(node));
    }

    private List<ClientConfig> clients(Node node) {
        List<ClientConfig> clients = new ArrayList<>();
        for (Node item : yaml.list(node, "clients").getValue()) {
            String path = "clients[" + clients.size() + "]";
            Map<String, Node> fields = yaml.fields(yaml.mapping(item, path), path, CLIENT_FIELDS);
            String id = yaml.matching(required(fields, item, path, "id"), path + ".id", PROVIDER_ID,
                    "an id of lower-case letters, digits and '-'");
            if (clients.stream().anyMatch(c -> c.id().equals(id))) {
                throw yaml.error(item, path + ".id", "duplicate client id '" + id + "'");
            }
            String variable = keyVariable(required(fields, item, path, "key"), path + ".key");
            String key = env(variable);
            if (key == null) {
                throw yaml.error(fields.get("key"), path + ".key", "environment variable " + variable
                        + " is not set: a client without its key could never authenticate");
            }
            clients.add(new ClientConfig(id, Secret.of(key), optional(fields, path, "limits", ClientConfig.ClientLimits.NONE, this::clientLimits)));
        }
        return clients;
    }

    private ClientConfig.ClientLimits clientLimits(Node node, String path) {
        Map<String, Node> fields = yaml.fields(yaml.mapping(node, path), path, CLIENT_LIMIT_FIELDS);
        return new ClientConfig.ClientLimits(
                optional(fields, path, "rpm", null, this::positiveInteger),
                optional(fields, path, "tpd", null, this::positiveInteger));
    }

    private List<String> origins(Node node, String path) {
        List<String> origins = new ArrayList<>();
        for (Node item : yaml.list(node, path).getValue()) {
            origins.add(yaml.matching(item, path + "[" + origins.size() + "]", ORIGIN, "an origin like https://app.example.com"));
        }
        return List.copyOf(origins);
    }

    private String type(Node node, String path) {
        String type = yaml.string(node, path);
        if (!types.names().contains(type)) {
            List<String> known = types.names().stream().sorted().toList();
            throw yaml.error(node, path, "unknown type '" + type + "'" + YamlNodes.didYouMean(type, known)
                    + "; valid types are " + String.join(", ", known));
        }
        return type;
    }

    /** Only a URL the user wrote is checked for http(s): a type's default may use its own scheme ({@code demo:local}). */
    private URI baseUrl(Node node, String path) {
        String text = substituteEnv(node, path, yaml.string(node, path).strip());
        // One trailing '/' is dropped so that adapters can append "/chat/completions" without doubling it.
        String url = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        return httpUri(url).orElseThrow(() ->
                yaml.error(node, path, "expected an absolute http:// or https:// URL, got '" + url + "'" + ShellStyleReference.hint(url)));
    }

    private static Optional<URI> httpUri(String text) {
        try {
            URI uri = new URI(text);
            boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
            return http && uri.getHost() != null ? Optional.of(uri) : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    private String substituteEnv(Node node, String path, String text) {
        Matcher reference = ENV_REFERENCE.matcher(text);
        StringBuilder result = new StringBuilder();
        while (reference.find()) {
            String name = reference.group(1);
            String value = env(name);
            if (value == null) {
                throw yaml.error(node, path, "environment variable " + name + " is not set");
            }
            reference.appendReplacement(result, Matcher.quoteReplacement(value));
        }
        return reference.appendTail(result).toString();
    }

    /** The variable's value, or null when unset or blank (an empty key is as useless as none). */
    private String env(String name) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? null : value;
    }

    /**
     * The name of the variable holding the key. A literal key is refused, and not repeated in the message:
     * config files get copied, shared and committed, so a key written there is a key leaked sooner or later.
     */
    private String keyVariable(Node node, String path) {
        String text = yaml.string(node, path).strip();
        Matcher reference = ENV_REFERENCE.matcher(text);
        if (!reference.matches()) {
            String field = path.substring(path.lastIndexOf('.') + 1);
            throw yaml.error(node, path, ShellStyleReference.whole(text)
                    .map(ShellStyleReference::writeInstead)
                    .orElse("put the key in an environment variable: " + field
                            + ": ${env:NAME} — keys must never be stored in config files"));
        }
        return reference.group(1);
    }

    /** A provider without its key stays listed but is skipped, so one missing key does not stop the gateway. */
    private Optional<String> disabledReason(String type, Optional<String> keyVariable, Optional<Secret> apiKey) {
        if (keyVariable.isEmpty()) {
            return types.requiresApiKey(type) ? Optional.of("no apiKey configured") : Optional.empty();
        }
        return apiKey.isPresent() ? Optional.empty() : Optional.of("environment variable " + keyVariable.get() + " is not set");
    }

    private QuotaScope quotaScope(Node node, String path) {
        String text = yaml.string(node, path);
        if (text.equals("provider")) {
            return QuotaScope.PROVIDER;
        }
        if (text.equals("model")) {
            return QuotaScope.MODEL;
        }
        String group = text.startsWith("group:") ? text.substring("group:".length()) : null;
        if (group != null && GROUP_NAME.matcher(group).matches()) {
            return QuotaScope.group(group);
        }
        String hint = group != null
                ? " (a group name is made of lower-case letters, digits, '_' and '-')"
                : YamlNodes.didYouMean(text, List.of("provider", "model"));
        throw yaml.error(node, path, "expected provider, model or group:<name>, got '" + text + "'" + hint);
    }

    private Limits limits(Node node, String path) {
        Map<String, Node> fields = yaml.fields(yaml.mapping(node, path), path, LIMIT_FIELDS);
        return new Limits(
                optional(fields, path, "rpm", null, this::positiveInteger),
                optional(fields, path, "rpd", null, this::positiveInteger),
                optional(fields, path, "tpm", null, this::positiveInteger),
                optional(fields, path, "tpd", null, this::positiveInteger),
                optional(fields, path, "concurrency", null, this::positiveInteger),
                optional(fields, path, "maxCompletionTokens", null, this::positiveInteger));
    }

    private Timeouts timeouts(Node node, String path) {
        Map<String, Node> fields = yaml.fields(yaml.mapping(node, path), path, TIMEOUT_FIELDS);
        Timeouts defaults = Timeouts.DEFAULT;
        return new Timeouts(
                optional(fields, path, "connect", defaults.connect(), this::positiveDuration),
                optional(fields, path, "firstByte", defaults.firstByte(), this::positiveDuration),
                optional(fields, path, "firstToken", defaults.firstToken(), this::positiveDuration),
                optional(fields, path, "idle", defaults.idle(), this::positiveDuration),
                optional(fields, path, "total", defaults.total(), this::positiveDuration));
    }

    private Integer positiveInteger(Node node, String path) {
        int value = yaml.integer(node, path);
        if (value <= 0) {
            throw yaml.error(node, path, "expected a positive integer, got " + value);
        }
        return value;
    }

    private Integer percent(Node node, String path) {
        int value = yaml.integer(node, path);
        if (value < 1 || value > 100) {
            throw yaml.error(node, path, "expected a percentage from 1 to 100 (e.g. 50), got " + value);
        }
        return value;
    }

    private Duration duration(Node node, String path) {
        try {
            return Durations.parse(yaml.string(node, path));
        } catch (IllegalArgumentException e) {
            throw yaml.error(node, path, e.getMessage());
        }
    }

    private Duration positiveDuration(Node node, String path) {
        Duration duration = duration(node, path);
        if (duration.isZero()) {
            throw yaml.error(node, path, "must be longer than 0");
        }
        return duration;
    }

    private Node required(Map<String, Node> fields, Node parent, String parentPath, String key) {
        Node node = fields.get(key);
        if (node == null) {
            throw yaml.error(parent, YamlNodes.path(parentPath, key), "is required");
        }
        return node;
    }

    /** Reads {@code key} with {@code reader} (given the node and its field path) when present, else {@code fallback}. */
    private static <T> T optional(Map<String, Node> fields, String parentPath, String key, T fallback,
                                  BiFunction<Node, String, T> reader) {
        Node node = fields.get(key);
        return node == null ? fallback : reader.apply(node, YamlNodes.path(parentPath, key));
    }
}
