package io.chain429.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import io.chain429.provider.AdapterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * config/429chain.schema.json, which editors check the config with as it is typed, and {@link ConfigLoader}, which
 * 429chain checks it with, agree: the shipped configs and the documented variants (README, docs/) pass both; known mistakes
 * fail both; both know the same fields and provider types. What only the loader can tell (the environment, ids given
 * twice) is listed apart.
 */
class ConfigSchemaTest {

    private static final Path SCHEMA = Path.of("config/429chain.schema.json");
    private static final List<Path> SHIPPED = List.of(Path.of("config/429chain.yaml"), Path.of("docker/replicas/429chain.yaml"));
    private static final AdapterRegistry TYPES = AdapterRegistry.builtIn();
    /** Every variable is set, and those read as URLs hold one: the environment is not what is checked here. */
    private static final Map<String, String> ENVIRONMENT = new AbstractMap<>() {
        @Override
        public String get(Object name) {
            return name.equals("CHAIN429_REDIS_URL") ? "redis://127.0.0.1:6379" : "value";
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return Set.of();
        }
    };

    private static Schema schema;
    private static JsonNode schemaJson;

    @TempDir
    Path dir;

    @BeforeAll
    static void readSchema() throws IOException {
        String text = Files.readString(SCHEMA);
        schemaJson = new ObjectMapper().readTree(text);
        // patternErrorMessage is what editors say when a pattern fails (see the schema's $comment), not a rule
        Dialect draft7 = Dialect.builder(Dialects.getDraft7()).keyword(new NonValidationKeyword("patternErrorMessage")).build();
        schema = SchemaRegistry.withDefaultDialect(draft7).getSchema(text, InputFormat.JSON);
    }

    @Test
    void theShippedConfigsNameTheSchemaOnTheirFirstLineAndPassBoth() throws IOException {
        for (Path file : SHIPPED) {
            String firstLine = Files.readAllLines(file).get(0);
            Path named = file.getParent().resolve(firstLine.replaceFirst("^# yaml-language-server: \\$schema=", "")).normalize();
            assertThat(firstLine).as(file + ", first line").startsWith("# yaml-language-server: $schema=");
            assertThat(named).as("the schema " + file + " names").isEqualTo(SCHEMA);

            assertThat(schemaErrors(Files.readString(file))).as(file + " against the schema").isEmpty();
            assertThatCode(() -> ConfigLoader.load(file, ENVIRONMENT, TYPES)).as(file + " with the loader").doesNotThrowAnyException();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documentedVariants")
    void aDocumentedVariantPassesBoth(String what, String yaml) throws IOException {
        assertThat(schemaErrors(yaml)).as("the schema's errors").isEmpty();
        Path file = write(yaml);
        assertThatCode(() -> ConfigLoader.load(file, ENVIRONMENT, TYPES)).as("the loader").doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void aKnownMistakeFailsBoth(String mistake, String yaml) throws IOException {
        assertThat(schemaErrors(yaml)).as("the schema's errors").isNotEmpty();
        Path file = write(yaml);
        assertThrows(ConfigException.class, () -> ConfigLoader.load(file, ENVIRONMENT, TYPES), "the loader");
    }

    /** The schema cannot see the environment or compare list items by a field: editors let these pass, 429chain does not. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("loaderOnly")
    void whatOnlyTheLoaderCanTell(String mistake, String yaml) throws IOException {
        assertThat(schemaErrors(yaml)).as("the schema's errors").isEmpty();
        Path file = write(yaml);
        assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of("GROQ_API_KEY", "gsk_value"), TYPES), "the loader");
    }

    @Test
    void bothKnowTheSameFields() {
        JsonNode definitions = schemaJson.path("definitions");
        assertThat(fields(schemaJson)).as("top level").containsExactlyInAnyOrderElementsOf(ConfigLoader.ROOT_FIELDS);
        assertThat(fields(definitions.path("settings"))).as("settings").containsExactlyInAnyOrderElementsOf(ConfigLoader.SETTINGS_FIELDS);
        assertThat(fields(definitions.path("settings").path("properties").path("redis"))).as("settings.redis").containsExactlyInAnyOrderElementsOf(ConfigLoader.REDIS_FIELDS);
        assertThat(fields(definitions.path("provider"))).as("a provider").containsExactlyInAnyOrderElementsOf(ConfigLoader.PROVIDER_FIELDS);
        assertThat(fields(definitions.path("provider").path("properties").path("limits"))).as("limits").containsExactlyInAnyOrderElementsOf(ConfigLoader.LIMIT_FIELDS);
        assertThat(fields(definitions.path("provider").path("properties").path("timeouts"))).as("timeouts").containsExactlyInAnyOrderElementsOf(ConfigLoader.TIMEOUT_FIELDS);
        assertThat(fields(definitions.path("client"))).as("a client").containsExactlyInAnyOrderElementsOf(ConfigLoader.CLIENT_FIELDS);
        assertThat(fields(definitions.path("clientLimits"))).as("client limits").containsExactlyInAnyOrderElementsOf(ConfigLoader.CLIENT_LIMIT_FIELDS);
    }

    @Test
    void bothKnowTheSameProviderTypesAndWhichNeedABaseUrl() {
        JsonNode provider = schemaJson.path("definitions").path("provider");
        List<String> types = new ArrayList<>();
        provider.path("properties").path("type").path("enum").forEach(type -> types.add(type.asText()));
        assertThat(types).containsExactlyInAnyOrderElementsOf(TYPES.names());

        List<String> withoutDefaultUrl = TYPES.names().stream().filter(type -> TYPES.defaultBaseUrl(type).isEmpty()).toList();
        assertThat(withoutDefaultUrl).as("types whose baseUrl is required")
                .containsExactly(provider.path("if").path("properties").path("type").path("const").asText());
    }

    // ------------------------------------------------------------------------------------------------------ cases

    static Stream<Arguments> documentedVariants() {
        return Stream.of(
                Arguments.of("README: the walk-through's providers", """
                        version: 1
                        settings:
                          defaultChain: default
                        providers:
                          - id: groq
                            type: groq
                            apiKey: ${env:GROQ_API_KEY}
                            quotaScope: model
                            limits: {rpm: 30, rpd: 14400, tpm: 6000}
                          - id: local
                            type: openai-compatible
                            baseUrl: http://127.0.0.1:8080/v1
                        """),
                Arguments.of("docs/configuration.md: every setting and a provider with every field", """
                        version: 1
                        settings:
                          defaultChain: default
                          cooldownDefault: 60s
                          cooldownPaymentRequired: 5m
                          circuitOpenFor: 30s
                          circuitMinFailures: 5
                          circuitFailureRate: 50
                          circuitWindow: 10s
                          adHocModelsPerProvider: 50
                          keyProbeAfter: 1m
                          keyCheckEvery: 6h
                          state: embedded
                        providers:
                          - id: groq
                            type: groq
                            baseUrl: https://api.groq.com/openai/v1
                            apiKey: ${env:GROQ_API_KEY}
                            quotaScope: model
                            limits: {rpm: 30, rpd: 14400, tpm: 6000, tpd: 500000, concurrency: 4}
                            timeouts: {connect: 5s, firstByte: 30s, firstToken: 10s, idle: 30s, total: 300s}
                        """),
                Arguments.of("docs/configuration.md: Cerebras capping what it reserves", """
                        version: 1
                        providers:
                          - id: cerebras
                            type: cerebras
                            apiKey: ${env:CEREBRAS_API_KEY}
                            limits: {maxCompletionTokens: 8192}
                        """),
                Arguments.of("docs/configuration.md: a provider of a known type, and any OpenAI-compatible server", """
                        version: 1
                        providers:
                          - id: nim
                            type: nvidia
                            apiKey: ${env:NVIDIA_API_KEY}
                          - id: local-llm
                            type: openai-compatible
                            baseUrl: http://${env:LLM_HOST}:8080/v1/
                            quotaScope: group:shared-70b
                        """),
                Arguments.of("docs/configuration.md: OpenRouter's :free models share one bucket", """
                        version: 1
                        providers:
                          - id: openrouter
                            type: openrouter
                            apiKey: ${env:OPENROUTER_API_KEY}
                            quotaScope: provider
                        """),
                Arguments.of("docs/operations.md: several replicas share state through Redis", """
                        version: 1
                        settings:
                          state: redis
                          redis:
                            url: "${env:CHAIN429_REDIS_URL}"
                            permitLease: 30s
                        providers: []
                        """),
                Arguments.of("docs/security.md: client keys, limits and CORS", """
                        version: 1
                        settings:
                          clientLimits: {rpm: 60, tpd: 500000}
                          corsOrigins: [https://app.example.com]
                        providers:
                          - id: demo
                            type: demo
                        clients:
                          - id: webapp
                            key: ${env:WEBAPP_KEY}
                            limits: {rpm: 120}
                        """),
                Arguments.of("config/429chain.yaml: key checks off with 0", """
                        version: 1
                        settings:
                          keyCheckEvery: 0
                        providers: []
                        """),
                Arguments.of("durations with fractions, days and several units", """
                        version: 1
                        settings:
                          cooldownDefault: 1.5s
                          cooldownPaymentRequired: 1h30m
                          keyProbeAfter: 250ms
                          keyCheckEvery: 2d
                        providers: []
                        """));
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("an unknown top-level field", "version: 1\nprovider: []\nproviders: []\n"),
                Arguments.of("an unknown setting", "version: 1\nsettings:\n  cooldownDefualt: 60s\nproviders: []\n"),
                Arguments.of("an unknown provider field", provider("    quotaScop: model\n")),
                Arguments.of("an unknown limit", provider("    limits: {rpmm: 30}\n")),
                Arguments.of("an unknown timeout", provider("    timeouts: {read: 30s}\n")),
                Arguments.of("a limit that is a string", provider("    limits: {rpm: thirty}\n")),
                Arguments.of("a limit of 0", provider("    limits: {concurrency: 0}\n")),
                Arguments.of("a limit with a fraction", provider("    limits: {rpm: 1.5}\n")),
                Arguments.of("providers as a mapping", "version: 1\nproviders:\n  groq: {type: groq}\n"),
                Arguments.of("settings as a list", "version: 1\nsettings: [defaultChain]\nproviders: []\n"),
                Arguments.of("a duration in words", "version: 1\nsettings:\n  cooldownDefault: 5 minutes\nproviders: []\n"),
                Arguments.of("a duration without its unit", "version: 1\nsettings:\n  cooldownDefault: 60\nproviders: []\n"),
                Arguments.of("a negative duration", "version: 1\nsettings:\n  keyCheckEvery: -1s\nproviders: []\n"),
                Arguments.of("a timeout of 0", provider("    timeouts: {total: 0s}\n")),
                Arguments.of("a circuit window of 0", "version: 1\nsettings:\n  circuitWindow: 0\nproviders: []\n"),
                Arguments.of("a failure rate over 100", "version: 1\nsettings:\n  circuitFailureRate: 150\nproviders: []\n"),
                Arguments.of("no failures to open a circuit", "version: 1\nsettings:\n  circuitMinFailures: 0\nproviders: []\n"),
                Arguments.of("no ad-hoc models kept", "version: 1\nsettings:\n  adHocModelsPerProvider: 0\nproviders: []\n"),
                Arguments.of("an unknown provider type", "version: 1\nproviders:\n  - id: groq\n    type: grok\n"),
                Arguments.of("a provider without a type", "version: 1\nproviders:\n  - id: groq\n"),
                Arguments.of("a provider without an id", "version: 1\nproviders:\n  - type: groq\n"),
                Arguments.of("a provider id in capitals", "version: 1\nproviders:\n  - id: Groq\n    type: groq\n"),
                Arguments.of("a literal apiKey", provider("    apiKey: gsk_live_0123456789abcdef\n")),
                Arguments.of("an apiKey written the shell's way", provider("    apiKey: ${GROQ_API_KEY}\n")),
                Arguments.of("an openai-compatible server without its baseUrl", "version: 1\nproviders:\n  - id: local\n    type: openai-compatible\n"),
                Arguments.of("a baseUrl that is not http", "version: 1\nproviders:\n  - id: local\n    type: openai-compatible\n    baseUrl: ftp://example.com/v1\n"),
                Arguments.of("a misspelt quotaScope", provider("    quotaScope: modle\n")),
                Arguments.of("a group name with spaces", provider("    quotaScope: group:big models\n")),
                Arguments.of("missing providers", "version: 1\nsettings:\n  defaultChain: default\n"),
                Arguments.of("missing version", "providers: []\n"),
                Arguments.of("version 2", "version: 2\nproviders: []\n"),
                Arguments.of("a default chain name in capitals", "version: 1\nsettings:\n  defaultChain: Fast\nproviders: []\n"),
                Arguments.of("an unknown state", "version: 1\nsettings:\n  state: rediss\nproviders: []\n"),
                Arguments.of("state: redis without redis", "version: 1\nsettings:\n  state: redis\nproviders: []\n"),
                Arguments.of("a Redis URL that is not redis://", "version: 1\nsettings:\n  state: redis\n  redis: {url: \"http://cache:6379\"}\nproviders: []\n"),
                Arguments.of("redis without its url", "version: 1\nsettings:\n  state: redis\n  redis: {permitLease: 30s}\nproviders: []\n"),
                Arguments.of("a CORS origin without its scheme", "version: 1\nsettings:\n  corsOrigins: [app.example.com]\nproviders: []\n"),
                Arguments.of("a CORS origin with a path", "version: 1\nsettings:\n  corsOrigins: [https://app.example.com/chat]\nproviders: []\n"),
                Arguments.of("a client without its key", "version: 1\nproviders: []\nclients:\n  - id: webapp\n"),
                Arguments.of("a literal client key", "version: 1\nproviders: []\nclients:\n  - id: webapp\n    key: my-client-key\n"),
                Arguments.of("an unknown client limit", "version: 1\nproviders: []\nclients:\n  - id: webapp\n    key: ${env:WEBAPP_KEY}\n    limits: {rpd: 100}\n"));
    }

    static Stream<Arguments> loaderOnly() {
        return Stream.of(
                Arguments.of("two providers with one id", "version: 1\nproviders:\n  - id: demo\n    type: demo\n  - id: demo\n    type: demo\n"),
                Arguments.of("a client whose key variable is unset", "version: 1\nproviders: []\nclients:\n  - id: webapp\n    key: ${env:UNSET_KEY}\n"),
                Arguments.of("a baseUrl whose variable is unset", "version: 1\nproviders:\n  - id: local\n    type: openai-compatible\n    baseUrl: http://${env:UNSET_HOST}/v1\n"));
    }

    /** A groq provider with {@code more} fields. */
    private static String provider(String more) {
        return "version: 1\nproviders:\n  - id: groq\n    type: groq\n" + more;
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    /** The YAML read as 429chain reads it (YAML 1.2, snakeyaml-engine), then checked against the schema. */
    private static List<Error> schemaErrors(String yaml) {
        Object document = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        return schema.validate(new ObjectMapper().valueToTree(document));
    }

    private static List<String> fields(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("429chain.yaml"), yaml);
    }
}
