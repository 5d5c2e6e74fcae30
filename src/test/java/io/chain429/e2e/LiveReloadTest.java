package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chain429.e2e.RunningGateway.Streamed;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import io.chain429.ops.ProviderMBeans;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Editing the chains or 429chain.yaml of a running gateway: applied without a restart, or refused and logged. */
@ExtendWith(GatewayExtension.class)
class LiveReloadTest {

    /** How long a live reload may take at most before a test gives up: generous, the machine may be busy. */
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<String> PROJECT_ROUTES = List.of("api.camel.yaml", "waterfall.camel.yaml", "chain-template.camel.yaml");
    private static final String TEN_TOKENS = "one two three four five six seven eight nine ten";

    @TempDir
    Path dir;
    @Simulated
    private ProviderSimulator first;
    @Simulated
    private ProviderSimulator second;
    @Simulated
    private ProviderSimulator third;
    private Path config;
    private Path chainsFile;
    private RunningGateway gateway;
    private final StringWriter log = new StringWriter();
    private WriterAppender appender;

    @BeforeEach
    void boot() throws Exception {
        Path configDir = Files.createDirectories(dir.resolve("config"));
        Path routes = Files.createDirectories(dir.resolve("routes"));
        config = configDir.resolve("429chain.yaml");
        chainsFile = routes.resolve("chains.camel.yaml");
        Files.writeString(config, providers(first.baseUrl(), ""));
        for (String file : PROJECT_ROUTES) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        Files.writeString(chainsFile, chains("live", "first/model-a", "duo", "second/model-b, first/model-a"));
        captureReloadLog();
        gateway = RunningGateway.start(configDir, routes, Map.of());
    }

    @AfterEach
    void stop() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig("io.chain429.reload").removeAppender(appender.getName());
        context.updateLoggers();
    }

    @Test
    void aChainEditAppliesAtOnceWhileRequestsStartedOnTheOldStepsFinishOnThem() throws Exception {
        first.then(Reply.json(200, first.completion("model-a")).after(Duration.ofMillis(2500)));
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> gateway.chat("live"));
        awaitUntil(() -> first.requestCount() == 1);
        CompletableFuture<Streamed> open = openSlowStreamOnFirst();
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        AtomicBoolean hammering = new AtomicBoolean(true);
        CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
            while (hammering.get()) {
                statuses.add(gateway.chat("live").statusCode());
            }
        });

        write(chainsFile, chains("live", "second/model-b", "duo", "second/model-b, first/model-a"));
        awaitUntil(() -> servedBy(gateway.chat("live")).equals("second/model-b"));
        hammering.set(false);
        traffic.get(10, TimeUnit.SECONDS);

        HttpResponse<String> slowAnswer = slow.get(10, TimeUnit.SECONDS);
        assertThat(servedBy(slowAnswer)).as("a request in flight during the edit").isEqualTo("first/model-a");
        assertThat(slowAnswer.body()).contains("hello from first");
        Streamed streamed = open.get(10, TimeUnit.SECONDS);
        assertThat(streamed.header("X-429chain-Provider")).isEqualTo("first/model-a");
        assertThat(streamed.content()).isEqualTo(TEN_TOKENS);
        assertThat(streamed.endsWithDone()).isTrue();
        assertThat(statuses).as("requests during the edit").isNotEmpty().containsOnly(200);
    }

    @Test
    void chainsAddedToAndRemovedFromTheFileComeAndGo() throws Exception {
        write(chainsFile, chains("live", "first/model-a", "duo", "second/model-b, first/model-a", "extra", "second/model-b"));
        awaitUntil(() -> gateway.chat("extra").statusCode() == 200);
        assertThat(gateway.get("/v1/models").body()).contains("\"extra\"");

        write(chainsFile, chains("live", "first/model-a"));
        awaitUntil(() -> gateway.chat("extra").statusCode() == 404);

        HttpResponse<String> removed = gateway.chat("duo");
        assertThat(removed.statusCode()).isEqualTo(404);
        assertThat(json(removed).path("error").path("code").asText()).isEqualTo("model_not_found");
        assertThat(gateway.get("/v1/models").body()).doesNotContain("\"extra\"", "\"duo\"");
        assertThat(servedBy(gateway.chat("live"))).isEqualTo("first/model-a");
    }

    @Test
    void anInvalidChainEditIsRefusedWithItsFileAndLineAndThePreviousChainsKeepServing() throws Exception {
        write(chainsFile, chains("live", "first/model-a") + "- templatedRoute: [unclosed\n");
        awaitLog("chains.camel.yaml:9: invalid YAML");
        assertThat(servedBy(gateway.chat("live"))).isEqualTo("first/model-a");

        write(chainsFile, chains("live", "frist/model-a"));
        awaitLog("chains.camel.yaml:7: templatedRoute[chain-live].parameters.steps: step 'frist/model-a' names unknown provider 'frist' (did you mean 'first'?)");
        assertThat(servedBy(gateway.chat("live"))).isEqualTo("first/model-a");
        assertThat(gateway.chat("duo").statusCode()).as("the refused file dropped duo, which keeps serving").isEqualTo(200);
        assertThat(log.toString()).contains("live reload refused, the previous chains and providers keep serving");

        write(chainsFile, chains("live", "second/model-b"));
        awaitUntil(() -> servedBy(gateway.chat("live")).equals("second/model-b"));
        awaitLog("live reload accepted " + chainsFile + ": the mistake refused before is fixed");
        assertThat(log.toString()).contains("chains reloaded: added [], changed [live], removed [duo]; 1 chain(s) serving")
                .contains("chain live: second/model-b — " + chainsFile + ":1");
    }

    @Test
    void aRefusedChainEditThatIsUndoneIsConfirmedWithChainsUnchanged() {
        write(chainsFile, chains("live", "frist/model-a", "duo", "second/model-b, first/model-a"));
        awaitLog("step 'frist/model-a' names unknown provider 'frist'");

        write(chainsFile, chains("live", "first/model-a", "duo", "second/model-b, first/model-a"));

        awaitLog("live reload accepted " + chainsFile + ": the mistake refused before is fixed");
        assertThat(log.toString()).contains("chains unchanged; 2 chain(s) serving");
    }

    @Test
    void anEditOf429chainYamlSaysWhatItDidToTheChainsToo() {
        write(config, providers(first.baseUrl(), "") + "# a comment, nothing else\n");

        awaitLog("chains unchanged; 2 chain(s) serving");
        assertThat(log.toString()).contains(config + " reloaded: providers unchanged")
                .doesNotContain("live reload accepted");
    }

    @Test
    void aProviderEditAppliesWhileAStreamOnItsOldSettingsFinishesAndOtherProvidersKeepTheirState() throws Exception {
        second.then(Reply.json(429, "{}").withHeader("retry-after", "60"));
        assertThat(servedBy(gateway.chat("duo"))).isEqualTo("first/model-a");
        int secondRequests = second.requestCount();
        CompletableFuture<Streamed> open = openSlowStreamOnFirst();

        // first moves to another server; a new provider appears
        write(config, providers(third.baseUrl(), """
                  - id: spare
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(third.baseUrl())));
        awaitUntil(() -> gateway.chat("live").body().contains("hello from third"));

        Streamed streamed = open.get(10, TimeUnit.SECONDS);
        assertThat(streamed.content()).isEqualTo(TEN_TOKENS);
        assertThat(streamed.endsWithDone()).isTrue();
        assertThat(first.streamsClosedByPeer()).isZero();
        HttpResponse<String> duo = gateway.chat("duo");
        assertThat(duo.body()).contains("hello from third");
        assertThat(second.requestCount()).as("second, unchanged, is still cooling down: skipped without a request").isEqualTo(secondRequests);
        assertThat(gateway.chat("spare/any-model").body()).contains("hello from third");
        assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(ProviderMBeans.providerName("spare"))).isTrue();

        write(config, providers(third.baseUrl(), ""));
        awaitUntil(() -> gateway.chat("spare/any-model").statusCode() == 404);
        assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(ProviderMBeans.providerName("spare"))).isFalse();
        assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(ProviderMBeans.providerName("first"))).isTrue();
    }

    @Test
    void aProviderWhoseKeyWasRejectedIsTriedAgainOnceItsEntryChanges() throws Exception {
        first.then(Reply.json(401, "{\"error\":{\"message\":\"invalid api key\"}}"));
        assertThat(gateway.chat("live").statusCode()).isEqualTo(503);
        assertThat(gateway.chat("live").statusCode()).as("disabled: skipped").isEqualTo(503);

        write(config, providers(third.baseUrl(), ""));

        awaitUntil(() -> gateway.chat("live").statusCode() == 200);
        assertThat(gateway.chat("live").body()).contains("hello from third");
    }

    @Test
    void removingAProviderAChainStillUsesIsRefusedNamingTheStep() throws Exception {
        write(config, """
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl()));

        awaitLog("chains.camel.yaml:14: templatedRoute[chain-duo].parameters.steps: step 'second/model-b' names unknown provider 'second'");
        assertThat(servedBy(gateway.chat("duo"))).isEqualTo("second/model-b");
    }

    @Test
    void theDefaultChainChangesLiveAndSettingsThatOnlyApplyOnRestartAreNamed() throws Exception {
        assertThat(gateway.chat("no-such-chain").statusCode()).isEqualTo(404);

        write(config, providers(first.baseUrl(), "").replace("version: 1\n",
                "version: 1\nsettings:\n  defaultChain: live\n  cooldownDefault: 5s\n"));

        awaitLog("settings.cooldownDefault changed: it applies on restart only");
        awaitLog("default chain now live"); // logged once it is in force, after the settings' warnings
        assertThat(log.toString()).doesNotContain("settings.defaultChain");
        assertThat(servedBy(gateway.chat("no-such-chain"))).isEqualTo("first/model-a");
    }

    @Test
    void anEditOfRoutesOtherThanChainsIsNamedAsNeedingARestartWhileItsChainsApply() throws Exception {
        write(chainsFile, chains("live", "second/model-b") + """
                - route:
                    id: not-a-chain
                    from:
                      uri: direct:not-a-chain
                      steps:
                        - log: hello
                """);

        awaitLog("chains.camel.yaml: routes other than chains (templatedRoute entries of the chain template) changed: they apply on restart only");
        awaitUntil(() -> servedBy(gateway.chat("live")).equals("second/model-b"));
        assertThat(gateway.camelContext().getRoute("not-a-chain")).isNull();
    }

    @Test
    void aChainTemplateDefaultChangesLiveWithoutSayingItNeedsARestart() throws Exception {
        Path template = chainsFile.resolveSibling("chain-template.camel.yaml");
        String text = Files.readString(template);
        assertThat(text).contains("defaultValue: \"0\"\n");
        first.then(Reply.json(500, "{\"error\":{\"message\":\"boom\"}}"));
        assertThat(gateway.chat("live").statusCode()).as("retries: 0 by default, and its only step failed").isNotEqualTo(200);

        write(template, text.replace("defaultValue: \"0\"\n", "defaultValue: \"1\"\n"));

        awaitLog("the chain template's defaults now");
        first.then(Reply.json(500, "{\"error\":{\"message\":\"boom\"}}"));
        HttpResponse<String> retried = gateway.chat("live"); // the chain leaves retries out: it takes the new default
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(retried.headers().firstValue("X-429chain-Attempts")).hasValue("2");
        // reloads run one after another: once a later one is in, the first has said all it had to say
        write(chainsFile, Files.readString(chainsFile) + chains("marker", "first/model-a"));
        awaitLog("added [marker]");
        assertThat(log.toString()).doesNotContain("routes other than chains");
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    private String providers(String firstUrl, String more) {
        return RunningGateway.firstAndSecond(firstUrl, second.baseUrl(), more);
    }

    private CompletableFuture<Streamed> openSlowStreamOnFirst() {
        first.then(Reply.stream(StreamScript.chat("model-a", "one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ", "nine ", "ten")
                .interval(Duration.ofMillis(150))));
        CompletableFuture<Streamed> open = CompletableFuture.supplyAsync(() -> gateway.streamChat("live"));
        awaitUntil(() -> first.openStreams() == 1);
        return open;
    }

    private static String servedBy(HttpResponse<String> response) {
        return response.headers().firstValue("X-429chain-Provider").orElse("status " + response.statusCode());
    }

    /** Polls until the condition holds, e.g. a live reload has been applied. */
    private static void awaitUntil(java.util.function.BooleanSupplier condition) {
        await("a live reload").atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
    }

    private void awaitLog(String text) {
        await().pollInterval(Duration.ofMillis(20)).atMost(WAIT)
                .untilAsserted(() -> assertThat(log.toString()).as("the reload log").contains(text));
    }

    private void captureReloadLog() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        appender = WriterAppender.newBuilder().setName("live-reload-capture").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%m%n").build()).build();
        appender.start();
        LoggerConfig reload = context.getConfiguration().getLoggerConfig("io.chain429.reload");
        if (!reload.getName().equals("io.chain429.reload")) {
            reload = new LoggerConfig("io.chain429.reload", null, true);
            context.getConfiguration().addLogger("io.chain429.reload", reload);
        }
        reload.addAppender(appender, null, null);
        context.updateLoggers();
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
