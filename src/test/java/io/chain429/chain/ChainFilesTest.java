package io.chain429.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chain429.config.ConfigException;
import io.chain429.config.GatewayConfig;
import io.chain429.config.GatewayConfig.Settings;
import io.chain429.config.ProviderConfig;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.ProviderConfig.QuotaScope;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.core.CommitMode;
import io.chain429.core.Step;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChainFilesTest {

    private static final String CONFIG_FILE = "config/429chain.yaml";
    private static final String TEMPLATE_FILE = "chain-template.camel.yaml";

    /** groq is disabled (no key): chains may still name it. */
    private static final GatewayConfig CONFIG = config(Optional.empty());

    /** What routes/chain-template.camel.yaml declares: docs/configuration.md gives the same. */
    private static final ChainPolicy SHIPPED_DEFAULTS = new ChainPolicy(CommitMode.FIRST_EVENT, 0, Duration.ofSeconds(3), Duration.ZERO, 16);

    @TempDir
    Path routes;

    /** Chains are made from the shipped template: its parameters' defaultValues are the chains' defaults. */
    @BeforeEach
    void shippedTemplate() throws IOException {
        Files.copy(Path.of("routes", TEMPLATE_FILE), routes.resolve(TEMPLATE_FILE));
    }

    @Test
    void readsChainsAndIgnoresEverythingElse() throws IOException {
        write("chains.yaml", """
                - beans:
                    - name: helper
                      type: java.lang.Object
                - routeTemplate:
                    id: other
                    from:
                      uri: direct:unused
                - route:
                    from:
                      uri: direct:other
                - templatedRoute:
                    routeTemplateRef: somethingElse
                    parameters:
                      - name: whatever
                - templatedRoute:
                    routeTemplateRef: chain
                    routeId: chain-default
                    parameters:
                      - name: name
                        value: default
                      - name: steps
                        value: groq/llama-3.1-8b-instant, openrouter/meta-llama/llama-3.3-70b-instruct:free ,demo/echo,
                """);
        write("README.md", "- templatedRoute: not yaml, not read\n");

        List<ChainDefinition> chains = ChainFiles.load(routes, CONFIG).all();

        assertThat(chains).containsExactly(new ChainDefinition("default", List.of(
                new Step("groq", "llama-3.1-8b-instant"),
                new Step("openrouter", "meta-llama/llama-3.3-70b-instruct:free"),
                new Step("demo", "echo")), SHIPPED_DEFAULTS, routes.resolve("chains.yaml").toString(), 15,
                java.util.Map.of("name", "default",
                        "steps", "groq/llama-3.1-8b-instant, openrouter/meta-llama/llama-3.3-70b-instruct:free ,demo/echo,")));
    }

    @Test
    void readsFilesInNameOrder() throws IOException {
        write("b.yaml", chain("second", "demo/echo"));
        write("a.yaml", chain("first", "demo/echo"));

        assertThat(ChainFiles.load(routes, CONFIG).all()).extracting(ChainDefinition::name).containsExactly("first", "second");
    }

    @Test
    void acceptsADefaultChainThatExists() throws IOException {
        write("chains.yaml", chain("fast", "demo/echo"));

        assertThat(ChainFiles.load(routes, config(Optional.of("fast"))).all()).extracting(ChainDefinition::name).containsExactly("fast");
    }

    @Test
    void suggestsTheProviderAnUnknownOneWasMeantToBe() throws IOException {
        write("chains.yaml", chain("fast", "demo/echo, grok/llama"));

        assertError(loadFailure(), "chains.yaml", 7, "templatedRoute[chain-fast].parameters.steps",
                "step 'grok/llama' names unknown provider 'grok' (did you mean 'groq'?)");
    }

    @Test
    void listsTheProvidersWhenNoneIsClose() throws IOException {
        write("chains.yaml", chain("fast", "mistral/large"));

        assertError(loadFailure(), "chains.yaml", 7, "templatedRoute[chain-fast].parameters.steps",
                "names unknown provider 'mistral'; configured providers are groq, openrouter, demo");
    }

    @Test
    void rejectsAChainWithoutSteps() throws IOException {
        write("chains.yaml", chain("fast", "' , '"));

        assertError(loadFailure(), "chains.yaml", 7, "templatedRoute[chain-fast].parameters.steps",
                "a chain needs at least one step");
    }

    @Test
    void rejectsAChainWithoutStepsParameter() throws IOException {
        write("chains.yaml", """
                - templatedRoute:
                    routeTemplateRef: chain
                    parameters:
                      - name: name
                        value: fast
                """);

        assertError(loadFailure(), "chains.yaml", 4, "templatedRoute[chain-fast].parameters.steps",
                "a chain needs at least one step");
    }

    @Test
    void rejectsAStepWithoutModel() throws IOException {
        write("chains.yaml", chain("fast", "demo/echo, groq"));

        assertError(loadFailure(), "chains.yaml", 7, "templatedRoute[chain-fast].parameters.steps",
                "step 'groq' is not of the form provider/model");
    }

    @Test
    void suggestsTheParameterAnUnknownOneWasMeantToBe() throws IOException {
        write("chains.yaml", """
                - route:
                    from:
                      uri: direct:x
                - templatedRoute:
                    routeTemplateRef: chain
                    parameters:
                      - name: name
                        value: fast
                      - name: step
                        value: demo/echo
                """);

        assertError(loadFailure(), "chains.yaml", 9, "templatedRoute#2.parameters",
                "unknown parameter 'step' (did you mean 'steps'?)");
    }

    @Test
    void rejectsAParameterWithoutValue() throws IOException {
        write("chains.yaml", """
                - templatedRoute:
                    routeTemplateRef: chain
                    parameters:
                      - name: name
                        value: fast
                      - name: steps
                """);

        assertError(loadFailure(), "chains.yaml", 6, "templatedRoute#1.parameters", "parameter 'steps' has no value");
    }

    @Test
    void rejectsABadChainName() throws IOException {
        write("chains.yaml", chain("Fast!", "demo/echo"));

        assertError(loadFailure(), "chains.yaml", 5, "templatedRoute#1.parameters.name",
                "expected a chain name of lower-case letters, digits, '_' and '-'");
    }

    @Test
    void rejectsAChainNameUsedInAnotherFile() throws IOException {
        write("a.yaml", chain("fast", "demo/echo"));
        write("b.yaml", "# the same chain again\n" + chain("fast", "groq/llama"));

        assertError(loadFailure(), "b.yaml", 6, "templatedRoute[chain-fast].parameters.name",
                "chain 'fast' is already defined at " + routes.resolve("a.yaml") + ":1");
    }

    @Test
    void rejectsARouteIdThatIsNotDerivedFromTheName() throws IOException {
        write("chains.yaml", """
                - templatedRoute:
                    routeTemplateRef: chain
                    routeId: fast
                    parameters:
                      - name: name
                        value: fast
                      - name: steps
                        value: demo/echo
                """);

        assertError(loadFailure(), "chains.yaml", 3, "templatedRoute[chain-fast].routeId",
                "must be 'chain-fast' (or be left out), got 'fast'");
    }

    @Test
    void rejectsADefaultChainThatNamesNoChain() throws IOException {
        write("chains.yaml", chain("fast", "demo/echo") + chain("smart", "groq/llama"));

        ConfigException e = assertThrows(ConfigException.class, () -> ChainFiles.load(routes, config(Optional.of("default"))));

        assertThat(e.file()).isEqualTo(CONFIG_FILE);
        assertThat(e.line()).isZero();
        assertThat(e.field()).isEqualTo("settings.defaultChain");
        assertThat(e.getMessage()).contains("'default' names no chain in " + routes + ": known chains are fast, smart");
    }

    @Test
    void reportsTheLineOfAYamlSyntaxError() throws IOException {
        write("chains.yaml", """
                - templatedRoute:
                    routeTemplateRef: chain
                   parameters: []
                """);

        assertError(loadFailure(), "chains.yaml", 3, null, "invalid YAML");
    }

    @Test
    void whatAChainLeavesOutIsTheTemplatesDefaultAsIsAStepOutsideAnyChain() throws IOException {
        write(TEMPLATE_FILE, template("complete", "2", "1s", "5s", "4"));
        write("chains.yaml", chain("patient", "demo/echo") + """
                      - name: retries
                        value: "1"
                """);

        DeclaredChains declared = ChainFiles.load(routes, CONFIG);

        ChainPolicy templates = new ChainPolicy(CommitMode.COMPLETE, 2, Duration.ofSeconds(1), Duration.ofSeconds(5), 4);
        assertThat(declared.defaults()).isEqualTo(templates);
        assertThat(declared.all().get(0).policy()).isEqualTo(new ChainPolicy(CommitMode.COMPLETE, 1, Duration.ofSeconds(1),
                Duration.ofSeconds(5), 4));
    }

    @Test
    void aTemplateDefaultMustBeValidAndPresent() throws IOException {
        write(TEMPLATE_FILE, template("first-event", "0", "soon", "0s", "16"));
        assertError(loadFailure(), TEMPLATE_FILE, 11, "routeTemplate[chain].parameters.retryWait", "expected a duration");

        write(TEMPLATE_FILE, template("first-event", "0", "3s", "0s", "16").replace("\n        defaultValue: \"16\"", ""));
        assertError(loadFailure(), TEMPLATE_FILE, 4, "routeTemplate[chain].parameters", "parameter 'maxWaiting' needs a defaultValue");
    }

    @Test
    void chainsNeedTheChainTemplate() throws IOException {
        Files.delete(routes.resolve(TEMPLATE_FILE));
        write("chains.yaml", chain("fast", "demo/echo"));

        ConfigException e = loadFailure();

        assertThat(e.file()).isEqualTo(routes.toString());
        assertThat(e.getMessage()).contains("has no routeTemplate 'chain'");
    }

    @Test
    void reportsAMissingFolder() {
        Path missing = routes.resolve("nowhere");

        ConfigException e = assertThrows(ConfigException.class, () -> ChainFiles.load(missing, CONFIG));

        assertThat(e.file()).isEqualTo(missing.toString());
        assertThat(e.line()).isZero();
        assertThat(e.getMessage()).contains("not found");
    }

    private static GatewayConfig config(Optional<String> defaultChain) {
        Settings d = Settings.DEFAULT;
        Settings settings = new Settings(defaultChain, d.cooldownDefault(), d.cooldownPaymentRequired(), d.circuitOpenFor(),
                d.keyProbeAfter(), d.clientLimits(), d.corsOrigins(), d.stateBackend(), d.keyCheckEvery(), d.circuit(), d.adHocModelsPerProvider());
        return new GatewayConfig(settings, List.of(
                provider("groq", Optional.of("no apiKey configured")),
                provider("openrouter", Optional.empty()),
                provider("demo", Optional.empty())), List.of(), CONFIG_FILE);
    }

    private static ProviderConfig provider(String id, Optional<String> disabledReason) {
        return new ProviderConfig(id, "openai-compatible", URI.create("https://" + id + ".example/v1"), Optional.empty(),
                QuotaScope.MODEL, Limits.NONE, Timeouts.DEFAULT, disabledReason, 1);
    }

    /** A chain item whose steps value sits on line 7 of its snippet. */
    @Test
    void aChainMayAskToCommitStreamsOnlyWhenComplete() throws IOException {
        write("chains.yaml", chain("agents", "demo/echo") + """
                      - name: commit
                        value: complete
                """ + chain("chat", "demo/echo"));

        List<ChainDefinition> chains = ChainFiles.load(routes, CONFIG).all();

        assertThat(chains).extracting(chain -> chain.policy().commit()).containsExactly(CommitMode.COMPLETE, CommitMode.FIRST_EVENT);
    }

    @Test
    void aChainsRetryAndWaitPolicyIsRead() throws IOException {
        write("chains.yaml", chain("patient", "demo/echo") + """
                      - name: retries
                        value: "2"
                      - name: retryWait
                        value: 1500ms
                      - name: maxWait
                        value: 20s
                      - name: maxWaiting
                        value: "8"
                """);

        ChainPolicy policy = ChainFiles.load(routes, CONFIG).all().get(0).policy();

        assertThat(policy).isEqualTo(new ChainPolicy(CommitMode.FIRST_EVENT, 2, Duration.ofMillis(1500), Duration.ofSeconds(20), 8));
    }

    @Test
    void aBadRetryCountOrWaitNamesTheParameter() throws IOException {
        write("chains.yaml", chain("patient", "demo/echo") + """
                      - name: retries
                        value: lots
                """);
        assertError(loadFailure(), "chains.yaml", 9, "templatedRoute[chain-patient].parameters.retries", "whole number from 0 to 10");

        write("chains.yaml", chain("patient", "demo/echo") + """
                      - name: maxWait
                        value: soon
                """);
        assertError(loadFailure(), "chains.yaml", 9, "templatedRoute[chain-patient].parameters.maxWait", "expected a duration");
    }

    @Test
    void anUnknownCommitModeIsRejectedWithASuggestion() throws IOException {
        write("chains.yaml", chain("agents", "demo/echo") + """
                      - name: commit
                        value: completed
                """);

        assertError(loadFailure(), "chains.yaml", 9, "templatedRoute[chain-agents].parameters.commit", "did you mean 'complete'?");
    }

    private static String chain(String name, String steps) {
        return """
                - templatedRoute:
                    routeTemplateRef: chain
                    parameters:
                      - name: name
                        value: %s
                      - name: steps
                        value: %s
                """.formatted(name, steps);
    }

    /** The chain template with these defaults: retryWait's on line 11, the parameters from line 4. */
    private static String template(String commit, String retries, String retryWait, String maxWait, String maxWaiting) {
        return """
                - routeTemplate:
                    id: chain
                    parameters:
                      - name: name
                      - name: steps
                      - name: commit
                        defaultValue: %s
                      - name: retries
                        defaultValue: "%s"
                      - name: retryWait
                        defaultValue: %s
                      - name: maxWait
                        defaultValue: %s
                      - name: maxWaiting
                        defaultValue: "%s"
                    route:
                      from:
                        uri: direct:chain-{{name}}
                        steps:
                          - log: "{{steps}}"
                """.formatted(commit, retries, retryWait, maxWait, maxWaiting);
    }

    private void write(String name, String yaml) throws IOException {
        Files.writeString(routes.resolve(name), yaml);
    }

    private ConfigException loadFailure() {
        return assertThrows(ConfigException.class, () -> ChainFiles.load(routes, CONFIG));
    }

    private void assertError(ConfigException e, String file, int line, String field, String phrase) {
        assertThat(e.file()).isEqualTo(routes.resolve(file).toString());
        assertThat(e.line()).as("line of: " + e.getMessage()).isEqualTo(line);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).contains(phrase);
    }
}
