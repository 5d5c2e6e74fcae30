package io.chain429.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chain429.config.GatewayConfig.Settings;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.ProviderConfig.QuotaScope;
import io.chain429.config.ProviderConfig.Timeouts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    /** Stands in for the adapter registry: one type per kind of answer the loader can get. */
    private static final ProviderTypes TYPES = new ProviderTypes() {
        private final Map<String, Optional<URI>> defaults = Map.of(
                "openai-compatible", Optional.empty(),
                "groq", Optional.of(URI.create("https://api.groq.com/openai/v1")),
                "demo", Optional.of(URI.create("demo:local")));

        @Override
        public Set<String> names() {
            return defaults.keySet();
        }

        @Override
        public Optional<URI> defaultBaseUrl(String type) {
            return defaults.get(type);
        }

        @Override
        public boolean requiresApiKey(String type) {
            return type.equals("groq");
        }
    };

    @TempDir
    Path dir;

    @Test
    void readsAFullConfigAndResolvesTheEnvironment() throws IOException {
        GatewayConfig config = load("""
                version: 1
                settings:
                  defaultChain: fast_1
                  cooldownDefault: 90s
                  cooldownPaymentRequired: 1h
                providers:
                  - id: groq
                    type: groq
                    apiKey: ${env:GROQ_API_KEY}
                    quotaScope: provider
                    limits: {rpm: 30, rpd: 14400, tpm: 6000, tpd: 500000, concurrency: 4}
                    timeouts: {connect: 2s, firstToken: 4s, total: 1m}
                  - id: local-llm
                    type: openai-compatible
                    baseUrl: http://${env:LLM_HOST}:8080/v1/
                    quotaScope: group:shared-70b
                """, Map.of("GROQ_API_KEY", "gsk_abcdefghijklmnop", "LLM_HOST", "10.0.0.7"));

        assertThat(config.file()).isEqualTo(configFile().toString());
        assertThat(config.settings()).isEqualTo(new Settings(Optional.of("fast_1"), Duration.ofSeconds(90), Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofMinutes(1),
                ClientConfig.ClientLimits.NONE, List.of(), StateBackend.EMBEDDED, Duration.ofHours(6), GatewayConfig.Circuit.DEFAULT, 50));
        assertThat(config.providers()).hasSize(2);

        ProviderConfig groq = config.providers().get(0);
        assertThat(groq.id()).isEqualTo("groq");
        assertThat(groq.type()).isEqualTo("groq");
        assertThat(groq.baseUrl()).isEqualTo(URI.create("https://api.groq.com/openai/v1"));
        assertThat(groq.apiKey()).map(Secret::reveal).contains("gsk_abcdefghijklmnop");
        assertThat(groq.apiKey().orElseThrow().toString()).isEqualTo("****mnop");
        assertThat(groq.enabled()).isTrue();
        assertThat(groq.quotaScope()).isEqualTo(QuotaScope.PROVIDER);
        assertThat(groq.limits()).isEqualTo(new Limits(30, 14400, 6000, 500000, 4, null));
        assertThat(groq.timeouts()).isEqualTo(new Timeouts(
                Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(4), Duration.ofSeconds(30), Duration.ofMinutes(1)));
        assertThat(groq.line()).isEqualTo(7);

        ProviderConfig local = config.providers().get(1);
        assertThat(local.baseUrl()).isEqualTo(URI.create("http://10.0.0.7:8080/v1"));
        assertThat(local.apiKey()).isEmpty();
        assertThat(local.enabled()).isTrue();
        assertThat(local.quotaScope()).isEqualTo(QuotaScope.group("shared-70b"));
        assertThat(local.line()).isEqualTo(13);
    }

    @Test
    void fillsInDefaults() throws IOException {
        GatewayConfig config = load("""
                version: 1
                providers:
                  - id: demo
                    type: demo
                """, Map.of());

        assertThat(config.settings()).isEqualTo(Settings.DEFAULT);
        assertThat(config.settings().cooldownDefault()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.settings().cooldownPaymentRequired()).isEqualTo(Duration.ofMinutes(5));
        ProviderConfig demo = config.providers().get(0);
        assertThat(demo.baseUrl()).isEqualTo(URI.create("demo:local"));
        assertThat(demo.quotaScope()).isEqualTo(QuotaScope.MODEL);
        assertThat(demo.limits()).isEqualTo(Limits.NONE);
        assertThat(demo.timeouts()).isEqualTo(Timeouts.DEFAULT);
        assertThat(demo.apiKey()).isEmpty();
        assertThat(demo.enabled()).isTrue();
    }

    @Test
    void acceptsAnEmptyProviderList() throws IOException {
        assertThat(load("version: 1\nproviders: []\n", Map.of()).providers()).isEmpty();
    }

    @Test
    void disablesAProviderWhoseKeyVariableIsUnsetOrBlank() throws IOException {
        String yaml = """
                version: 1
                providers:
                  - id: groq
                    type: groq
                    apiKey: ${env:GROQ_API_KEY}
                """;
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("GROQ_API_KEY", "  "))) {
            ProviderConfig groq = load(yaml, env).providers().get(0);
            assertThat(groq.apiKey()).isEmpty();
            assertThat(groq.disabledReason()).contains("environment variable GROQ_API_KEY is not set");
        }
    }

    @Test
    void disablesAProviderThatNeedsAKeyButHasNone() throws IOException {
        ProviderConfig groq = load("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                """, Map.of()).providers().get(0);

        assertThat(groq.enabled()).isFalse();
        assertThat(groq.disabledReason()).contains("no apiKey configured");
    }

    @Test
    void suggestsTheFieldAnUnknownOneWasMeantToBe() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                    quotaScop: model
                """);

        assertError(e, 5, "providers[0].quotaScop", "unknown field (did you mean 'quotaScope'?)");
    }

    @Test
    void suggestsAFieldThatDiffersOnlyInCase() throws IOException {
        ConfigException e = failure("""
                version: 1
                PROVIDERS: []
                """);

        assertError(e, 2, "PROVIDERS", "did you mean 'providers'?");
    }

    @Test
    void listsTheKnownFieldsWhenNoneIsClose() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                    limits: {requestsPerMinute: 30}
                """);

        assertError(e, 5, "providers[0].limits.requestsPerMinute", "known fields are rpm, rpd, tpm, tpd, concurrency, maxCompletionTokens");
    }

    @Test
    void reportsAWrongIntegerWithItsLine() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                    limits:
                      rpm: abc
                """);

        assertError(e, 6, "providers[0].limits.rpm", "expected an integer, got the string 'abc'");
    }

    @Test
    void reportsAWrongList() throws IOException {
        assertError(failure("version: 1\nproviders: foo\n"), 2, "providers", "expected a list, got the string 'foo'");
    }

    @Test
    void reportsAMappingWhereAStringBelongs() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: {name: groq}
                    type: groq
                """);

        assertError(e, 3, "providers[0].id", "expected a string, got a mapping");
    }

    @Test
    void rejectsALimitThatIsNotPositive() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                    limits: {concurrency: 0}
                """);

        assertError(e, 5, "providers[0].limits.concurrency", "expected a positive integer, got 0");
    }

    @Test
    void readsMaxCompletionTokens() throws IOException {
        ProviderConfig provider = load("""
                version: 1
                providers:
                  - id: local
                    type: openai-compatible
                    baseUrl: http://localhost:8080/v1
                    limits: {tpm: 60000, maxCompletionTokens: 4096}
                """, Map.of()).providers().get(0);

        assertThat(provider.limits()).isEqualTo(new Limits(null, null, 60000, null, null, 4096));
        assertThat(provider.limits().maxCompletionTokens()).isEqualTo(4096);
    }

    @Test
    void suggestsMaxCompletionTokensForATypo() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                    limits:
                      maxCompletionToken: 4096
                """);

        assertError(e, 6, "providers[0].limits.maxCompletionToken", "unknown field (did you mean 'maxCompletionTokens'?)");
    }

    @Test
    void rejectsAZeroMaxCompletionTokens() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                    limits: {maxCompletionTokens: 0}
                """);

        assertError(e, 5, "providers[0].limits.maxCompletionTokens", "expected a positive integer, got 0");
    }

    @Test
    void rejectsADuplicateIdNamingTheFirst() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                  - id: demo
                    type: demo
                  - id: groq
                    type: openai-compatible
                    baseUrl: https://example.com/v1
                """);

        assertError(e, 7, "providers[2].id", "duplicate id 'groq', already used by the provider at line 3");
    }

    @Test
    void rejectsAnUnknownTypeListingTheValidOnes() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: grok
                """);

        assertError(e, 4, "providers[0].type",
                "unknown type 'grok' (did you mean 'groq'?); valid types are demo, groq, openai-compatible");
    }

    @Test
    void refusesALiteralKeyWithoutRepeatingIt() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                    apiKey: gsk_live_secret_value
                """);

        assertError(e, 5, "providers[0].apiKey", "put the key in an environment variable: apiKey: ${env:NAME}");
        assertThat(e.getMessage()).doesNotContain("gsk_live_secret_value");
    }

    @Test
    void showsHowToWriteAKeyVariableWrittenTheShellsWay() throws IOException {
        ConfigException braces = failure("""
                version: 1
                providers:
                  - id: groq
                    type: groq
                    apiKey: ${GROQ_API_KEY}
                """);
        assertError(braces, 5, "providers[0].apiKey", "write ${env:GROQ_API_KEY} instead: 429chain reads an environment variable only as ${env:NAME}");

        ConfigException bare = failure("""
                version: 1
                providers: []
                clients:
                  - id: webapp
                    key: $WEBAPP_KEY
                """);
        assertError(bare, 5, "clients[0].key", "write ${env:WEBAPP_KEY} instead");
    }

    @Test
    void aLiteralClientKeyIsRefusedNamingItsField() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers: []
                clients:
                  - id: webapp
                    key: $ecret-client-key
                """);

        assertError(e, 5, "clients[0].key", "put the key in an environment variable: key: ${env:NAME}");
        assertThat(e.getMessage()).doesNotContain("ecret-client-key");
    }

    @Test
    void showsHowToWriteAVariableInABaseUrl() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: local
                    type: openai-compatible
                    baseUrl: http://${LLM_HOST}:8080/v1
                """);

        assertError(e, 5, "providers[0].baseUrl", "— write http://${env:LLM_HOST}:8080/v1 instead");
    }

    @Test
    void showsHowToWriteTheRedisUrlVariable() throws IOException {
        ConfigException e = failure("version: 1\nsettings:\n  state: redis\n  redis: {url: \"${CHAIN429_REDIS_URL}\"}\nproviders: []\n");

        assertError(e, 4, "settings.redis.url", "— write ${env:CHAIN429_REDIS_URL} instead");
    }

    @Test
    void requiresABaseUrlForATypeWithoutDefault() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: demo
                    type: demo
                  - id: local
                    type: openai-compatible
                """);

        assertError(e, 5, "providers[1].baseUrl", "is required: type 'openai-compatible' has no default URL");
    }

    @Test
    void rejectsABaseUrlThatIsNotHttp() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: local
                    type: openai-compatible
                    baseUrl: ftp://example.com/v1
                """);

        assertError(e, 5, "providers[0].baseUrl", "expected an absolute http:// or https:// URL, got 'ftp://example.com/v1'");
    }

    @Test
    void namesAnUnsetVariableInTheBaseUrl() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: local
                    type: openai-compatible
                    baseUrl: http://${env:LLM_HOST}/v1
                """);

        assertError(e, 5, "providers[0].baseUrl", "environment variable LLM_HOST is not set");
    }

    @Test
    void rejectsABadDuration() throws IOException {
        ConfigException e = failure("""
                version: 1
                settings:
                  cooldownDefault: 5 minutes
                providers: []
                """);

        assertError(e, 3, "settings.cooldownDefault", "expected a duration like 30s, 5m or 1h, got '5 minutes'");
    }

    @Test
    void keyChecksAreTurnedOffWithABareZero() throws IOException {
        GatewayConfig config = load("version: 1\nsettings:\n  keyCheckEvery: 0\nproviders: []\n", Map.of());

        assertThat(config.settings().keyCheckEvery()).isZero();
    }

    @Test
    void rejectsAZeroTimeout() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: demo
                    type: demo
                    timeouts:
                      connect: 1s
                      firstByte: 0s
                """);

        assertError(e, 7, "providers[0].timeouts.firstByte", "must be longer than 0");
    }

    @Test
    void rejectsABadQuotaScopeWithASuggestion() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: demo
                    type: demo
                    quotaScope: modle
                """);

        assertError(e, 5, "providers[0].quotaScope", "expected provider, model or group:<name>, got 'modle' (did you mean 'model'?)");
    }

    @Test
    void rejectsABadGroupName() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: demo
                    type: demo
                    quotaScope: group:Big Models
                """);

        assertError(e, 5, "providers[0].quotaScope", "got 'group:Big Models' (a group name is made of");
    }

    @Test
    void rejectsABadDefaultChainName() throws IOException {
        ConfigException e = failure("""
                version: 1
                settings:
                  defaultChain: Fast
                providers: []
                """);

        assertError(e, 3, "settings.defaultChain", "expected a chain name of lower-case letters");
    }

    @Test
    void readsARedisStateBackendWithItsUrlFromTheEnvironment() throws IOException {
        GatewayConfig config = load("""
                version: 1
                settings:
                  state: redis
                  redis: {url: "${env:CHAIN429_REDIS_URL}", permitLease: 10s}
                providers: []
                """, Map.of("CHAIN429_REDIS_URL", "rediss://:s3cret-pass@cache.internal:6380/0"));

        StateBackend backend = config.settings().stateBackend();
        assertThat(backend.kind()).isEqualTo(StateBackend.Kind.REDIS);
        assertThat(backend.redisUrl()).map(Secret::reveal).contains("rediss://:s3cret-pass@cache.internal:6380/0");
        assertThat(backend.permitLease()).isEqualTo(Duration.ofSeconds(10));
        assertThat(backend.describe()).isEqualTo("rediss://cache.internal:6380").doesNotContain("s3cret");
    }

    @Test
    void theStateIsEmbeddedByDefault() throws IOException {
        assertThat(load("version: 1\nproviders: []\n", Map.of()).settings().stateBackend()).isEqualTo(StateBackend.EMBEDDED);
    }

    @Test
    void rejectsAnUnknownStateWithASuggestion() throws IOException {
        ConfigException e = failure("version: 1\nsettings:\n  state: rediss\nproviders: []\n");

        assertError(e, 3, "settings.state", "expected embedded or redis, got 'rediss' (did you mean 'redis'?)");
    }

    @Test
    void redisStateNeedsItsUrl() throws IOException {
        assertError(failure("version: 1\nsettings:\n  state: redis\nproviders: []\n"), 3, "settings.redis", "is required with state: redis");
        assertError(failure("version: 1\nsettings:\n  state: redis\n  redis: {}\nproviders: []\n"), 4, "settings.redis.url", "is required");
        assertError(failure("version: 1\nsettings:\n  state: redis\n  redis: {url: \"${env:CHAIN429_REDIS_URL}\"}\nproviders: []\n"),
                4, "settings.redis.url", "environment variable CHAIN429_REDIS_URL is not set");
    }

    @Test
    void rejectsAUrlThatIsNotRedisWithoutRepeatingIt() throws IOException {
        ConfigException e = failure("version: 1\nsettings:\n  state: redis\n  redis:\n    url: http://:hunter2@cache:6379\nproviders: []\n");

        assertError(e, 5, "settings.redis.url", "expected a redis:// or rediss:// URL");
        assertThat(e.getMessage()).doesNotContain("hunter2");
    }

    @Test
    void suggestsTheRedisFieldAnUnknownOneWasMeantToBe() throws IOException {
        ConfigException e = failure("version: 1\nsettings:\n  state: redis\n  redis:\n    ulr: redis://cache\nproviders: []\n");

        assertError(e, 5, "settings.redis.ulr", "did you mean 'url'?");
    }

    @Test
    void requiresVersionOne() throws IOException {
        assertError(failure("version: 2\nproviders: []\n"), 1, "version", "expected 1");
        assertError(failure("providers: []\n"), 1, "version", "is required");
    }

    @Test
    void rejectsAKeyGivenTwice() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers: []
                providers: []
                """);

        assertError(e, 3, "providers", "is given twice (first at line 2)");
    }

    @Test
    void reportsTheLineOfAYamlSyntaxError() throws IOException {
        ConfigException e = failure("""
                version: 1
                providers:
                  - id: groq
                    type: "groq
                """);

        assertThat(e.file()).isEqualTo(configFile().toString());
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.field()).isNull();
        assertThat(e.getMessage()).contains("invalid YAML: while scanning a quoted scalar, found unexpected end of stream");
    }

    @Test
    void reportsAnEmptyFile() throws IOException {
        ConfigException e = failure("# nothing yet\n");

        assertThat(e.line()).isZero();
        assertThat(e.getMessage()).contains("is empty");
    }

    @Test
    void reportsAMissingFile() {
        Path missing = dir.resolve("config/429chain.yaml");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing, Map.of(), TYPES));

        assertThat(e.file()).isEqualTo(missing.toString());
        assertThat(e.line()).isZero();
        assertThat(e.field()).isNull();
        assertThat(e.getMessage()).contains("not found — copy the shipped config/429chain.yaml");
    }

    private Path configFile() {
        return dir.resolve("429chain.yaml");
    }

    private GatewayConfig load(String yaml, Map<String, String> environment) throws IOException {
        Files.writeString(configFile(), yaml);
        return ConfigLoader.load(configFile(), environment, TYPES);
    }

    private ConfigException failure(String yaml) throws IOException {
        Files.writeString(configFile(), yaml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(configFile(), Map.of(), TYPES));
    }

    private void assertError(ConfigException e, int line, String field, String phrase) {
        assertThat(e.file()).isEqualTo(configFile().toString());
        assertThat(e.line()).as("line of: " + e.getMessage()).isEqualTo(line);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).contains(phrase);
    }
}
