package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.firstAndSecond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The monitoring shipped in {@code docker/} (Grafana dashboard, its datasource, Prometheus' scrape target) against
 * what a running 429chain really exports on {@code /metrics} after real traffic: a dashboard querying a misspelt or
 * renamed metric shows "No data" and nobody notices until it matters.
 */
@ExtendWith(GatewayExtension.class)
class MonitoringDashboardTest {

    private static final Path DASHBOARDS = Path.of("docker", "grafana", "dashboards");
    private static final Path DATASOURCES = Path.of("docker", "grafana", "provisioning", "datasources", "prometheus.yaml");
    // PromQL parts that are not metric names: label matchers, range selectors, grouping labels, Grafana variables.
    private static final Pattern NOT_METRICS = Pattern.compile("\\{[^}]*}|\\[[^]]*]|\\b(?:by|without|on|ignoring)\\s*\\([^)]*\\)|\\$\\w+");
    // An identifier not followed by "(" (which would make it a function or aggregation).
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.])[a-zA-Z_:][a-zA-Z0-9_:]*+(?!\\s*\\()");

    @Simulated
    private static ProviderSimulator first;
    @Simulated
    private static ProviderSimulator second;
    private static RunningGateway gateway;
    private static Set<String> exported;

    @BeforeAll
    static void bootAndServeTraffic() throws Exception {
        gateway = RunningGateway.start(firstAndSecond(first.baseUrl(), second.baseUrl(), ""),
                chains("duo", "first/model-a, second/model-b"), Map.of());
        // a 429 and a hop to the next step, tokens counted, then a stream for time to first token
        first.then(Reply.json(429, "{}").withHeader("retry-after", "600"));
        assertThat(gateway.chat("duo").statusCode()).isEqualTo(200);
        second.then(Reply.stream(StreamScript.chat("model-b", "a", "b").withUsage(3, 2)));
        assertThat(gateway.streamChat("duo").status()).isEqualTo(200);
        System.gc(); // the JVM's GC pause timer is registered at the first collection, when its notification arrives
        HttpResponse<String> scrape = await().until(() -> gateway.getManagement("/metrics"),
                response -> response.statusCode() == 200 && response.body().contains("jvm_gc_pause_seconds_count"));
        exported = scrape.body().lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyMetricTheDashboardsQueryIsExportedBy429chain() throws IOException {
        Set<String> queried = queriedMetrics();

        assertThat(queried).as("metric names found in the dashboards' queries").hasSizeGreaterThan(10);
        assertThat(queried).as("queried but not exported; exported: %s", exported).isSubsetOf(exported);
    }

    @Test
    void every429chainMetricIsOnADashboard() throws IOException {
        Set<String> queried = queriedMetrics();
        Set<String> families = exported.stream().filter(name -> name.startsWith("chain429_"))
                .map(name -> name.replaceAll("_(bucket|count|sum|max|total)$", "")).collect(Collectors.toCollection(TreeSet::new));

        assertThat(families).contains("chain429_requests", "chain429_attempts", "chain429_waterfall_hops", "chain429_cooldowns",
                "chain429_time_to_first_token_seconds", "chain429_added_latency_seconds", "chain429_tokens", "chain429_open_streams");
        assertThat(families).allSatisfy(family -> assertThat(queried).as("a query of " + family)
                .anyMatch(name -> name.equals(family) || name.startsWith(family + "_")));
    }

    @Test
    void everyPanelUsesTheProvisionedPrometheusDatasource() throws IOException {
        Map<?, ?> provisioning = (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(DATASOURCES));
        Object uid = ((Map<?, ?>) ((List<?>) provisioning.get("datasources")).get(0)).get("uid");

        List<JsonNode> targets = dashboards().flatMap(d -> d.findValues("targets").stream()).flatMap(MonitoringDashboardTest::elements).toList();

        assertThat(targets).isNotEmpty().allSatisfy(target -> {
            assertThat(target.path("datasource").path("uid").asText()).isEqualTo(uid);
            assertThat(target.path("expr").asText()).isNotBlank();
        });
    }

    @Test
    void prometheusScrapesAComposeServiceWhoseManagementPortListensBeyondLoopback() throws IOException {
        Load yaml = new Load(LoadSettings.builder().build());
        Map<?, ?> prometheus = (Map<?, ?>) yaml.loadFromString(Files.readString(Path.of("docker", "prometheus.yml")));
        Map<?, ?> compose = (Map<?, ?>) yaml.loadFromString(Files.readString(Path.of("docker", "compose.yaml")));
        Map<?, ?> job = (Map<?, ?>) ((List<?>) prometheus.get("scrape_configs")).get(0);
        String target = (String) ((List<?>) ((Map<?, ?>) ((List<?>) job.get("static_configs")).get(0)).get("targets")).get(0);
        String service = target.substring(0, target.indexOf(':'));

        assertThat(job.get("metrics_path")).isEqualTo("/metrics");
        assertThat(target).endsWith(":4291");
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertThat(services).as("compose services").containsKey(service);
        Map<?, ?> environment = (Map<?, ?>) ((Map<?, ?>) services.get(service)).get("environment");
        assertThat(environment.get("CHAIN429_MANAGEMENT_HOST")).as("the management port binds loopback by default").isEqualTo("0.0.0.0");
    }

    private static Set<String> queriedMetrics() throws IOException {
        Set<String> names = new TreeSet<>();
        dashboards().flatMap(d -> d.findValues("expr").stream()).map(JsonNode::asText).forEach(expr -> {
            Matcher identifier = IDENTIFIER.matcher(NOT_METRICS.matcher(expr).replaceAll(" "));
            while (identifier.find()) {
                names.add(identifier.group());
            }
        });
        return names;
    }

    private static Stream<JsonNode> dashboards() throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            List<Path> found = files.filter(f -> f.toString().endsWith(".json")).toList();
            assertThat(found).as("dashboards in " + DASHBOARDS).isNotEmpty();
            return found.stream().map(f -> {
                try {
                    return json.readTree(f.toFile());
                } catch (IOException e) {
                    throw new AssertionError(f + " is not valid JSON: " + e.getMessage(), e);
                }
            }).toList().stream();
        }
    }

    private static Stream<JsonNode> elements(JsonNode array) {
        return Stream.iterate(0, i -> i < array.size(), i -> i + 1).map(array::get);
    }
}
