package io.chain429.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The management server over real HTTP on a free port. */
class ManagementServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "operator";
    private static final String PASSWORD = "s3cret-for-tests";
    private static final String READ_HEAP =
            "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\"}";

    private final HttpClient client = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final StubHealth health = new StubHealth();
    private final PrometheusMeterRegistry registry = ManagementServer.newRegistry();
    private ManagementServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        registry.close();
    }

    private ManagementServer startWithoutConsole() {
        server = new ManagementServer("127.0.0.1", 0, health, registry, Optional.empty());
        server.start();
        return server;
    }

    @Test
    void healthIsUpWithTheFiguresOfTheHealthSource() throws Exception {
        startWithoutConsole();

        HttpResponse<String> response = get(client, server.uri().resolve("/health"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.get("uptimeSeconds").isIntegralNumber()).isTrue();
        assertThat(body.get("heap").get("usedBytes").asLong()).isPositive();
        assertThat(body.get("heap").get("maxBytes").asLong()).isPositive();
        assertThat(body.has("rssBytes")).isTrue();
        if (java.nio.file.Files.isReadable(Path.of("/proc/self/status"))) {
            assertThat(body.get("rssBytes").asLong()).isPositive();
        }
        assertThat(body.get("openStreams").asInt()).isEqualTo(3);
        assertThat(body.get("providers").get("enabled").asInt()).isEqualTo(4);
        assertThat(body.get("providers").get("cooling").asInt()).isEqualTo(1);
        assertThat(body.get("providers").get("disabled").asInt()).isEqualTo(2);
    }

    @Test
    void healthIsDownWith503WhenTheProxyDoesNotAccept() throws Exception {
        startWithoutConsole();
        health.accepting = false;

        HttpResponse<String> response = get(client, server.uri().resolve("/health"));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(response.body()).get("status").asText()).isEqualTo("DOWN");
    }

    @Test
    void healthIsDownWhenTheHealthSourceFails() throws Exception {
        startWithoutConsole();
        health.failure = new IllegalStateException("state store unreachable");

        HttpResponse<String> response = get(client, server.uri().resolve("/health"));

        assertThat(response.statusCode()).isEqualTo(503);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("error").asText()).contains("state store unreachable");
    }

    @Test
    void metricsHaveTheJvmMetersAndTheApplicationsOwn() throws Exception {
        startWithoutConsole();
        registry.counter("chain429.test.requests", "chain", "demo").increment(3);

        HttpResponse<String> response = get(client, server.uri().resolve("/metrics"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(response.body())
                .contains("jvm_memory_used_bytes")
                .contains("jvm_threads_live_threads")
                .contains("process_uptime_seconds")
                .contains("system_cpu_count")
                .contains("chain429_test_requests_total{chain=\"demo\"} 3.0");
    }

    @Test
    void withoutCredentialsTheConsoleIsOffAndHealthStaysOn() throws Exception {
        startWithoutConsole();

        assertThat(server.consoleEnabled()).isFalse();
        assertThat(get(client, server.uri().resolve("/hawtio/")).statusCode()).isEqualTo(404);
        assertThat(postJson(client, server.uri().resolve("/hawtio/jolokia/"), READ_HEAP, null).statusCode())
                .isEqualTo(404);
        assertThat(get(client, server.uri().resolve("/health")).statusCode()).isEqualTo(200);
        assertThat(get(client, server.uri().resolve("/metrics")).statusCode()).isEqualTo(200);
    }

    @Test
    void onlyGetIsServed() throws Exception {
        startWithoutConsole();

        assertThat(postJson(client, server.uri().resolve("/health"), "{}", null).statusCode()).isEqualTo(405);
        assertThat(get(client, server.uri().resolve("/nothing-here")).statusCode()).isEqualTo(404);
    }

    @Test
    void aBusyPortFailsTheStart() {
        startWithoutConsole();
        ManagementServer second = new ManagementServer("127.0.0.1", server.port(), health, registry, Optional.empty());

        org.assertj.core.api.Assertions.assertThatThrownBy(second::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot listen");
    }

    /** One console for all its tests: Hawtio takes a second or two to deploy. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithConsoleCredentials {

        private final PrometheusMeterRegistry consoleRegistry = ManagementServer.newRegistry();
        private ManagementServer console;

        @BeforeAll
        void startConsole() {
            console = new ManagementServer("127.0.0.1", 0, new StubHealth(), consoleRegistry,
                    Optional.of(ConsoleCredentials.of(USER, PASSWORD)), Path.of("hawtio"));
            console.start();
        }

        @AfterAll
        void stopConsole() {
            console.stop();
            consoleRegistry.close();
        }

        @Test
        void theConsoleIsDeployed() {
            assertThat(console.consoleEnabled()).isTrue();
        }

        @Test
        void aPageWithoutLoginRedirectsToTheLoginPage() throws Exception {
            for (String page : new String[] {"/hawtio/", "/hawtio/camel/routes"}) {
                HttpResponse<String> response = get(client, console.uri().resolve(page));

                assertThat(response.statusCode()).as(page).isEqualTo(302);
                assertThat(response.headers().firstValue("location").orElse("")).as(page).endsWith("/hawtio/login");
            }
        }

        @Test
        void theConsolesScriptsAreKeptByTheBrowserAndItsPagesAreNot() throws Exception {
            String loginPage = get(client, console.uri().resolve("/hawtio/login")).body();
            Matcher script = Pattern.compile("src=\"(/hawtio/static/js/main\\.[0-9a-f]+\\.js)\"").matcher(loginPage);
            assertThat(script.find()).as("the login page loads Hawtio's main script: %s", loginPage).isTrue();

            HttpResponse<String> asset = get(client, console.uri().resolve(script.group(1)));
            assertThat(asset.statusCode()).isEqualTo(200);
            assertThat(asset.headers().firstValue("cache-control")).hasValue("public, max-age=31536000, immutable");
            assertThat(get(client, console.uri().resolve("/hawtio/login")).headers().firstValue("cache-control").orElse(""))
                    .doesNotContain("immutable");
        }

        @Test
        void jolokiaWithoutLoginIsRefused() throws Exception {
            HttpResponse<String> response = postJson(client, console.uri().resolve("/hawtio/jolokia/"), READ_HEAP, null);

            assertThat(response.statusCode()).isIn(401, 403);
            assertThat(response.body()).doesNotContain("HeapMemoryUsage").doesNotContain("\"used\"");
        }

        @Test
        void aWrongPasswordIsRefused() throws Exception {
            HttpClient browser = browser();
            HttpResponse<String> login = postJson(browser, console.uri().resolve("/hawtio/auth/login"),
                    "{\"username\":\"" + USER + "\",\"password\":\"wrong\"}", null);

            assertThat(login.statusCode()).isNotEqualTo(200);
            assertThat(postJson(browser, console.uri().resolve("/hawtio/jolokia/"), READ_HEAP, null).statusCode())
                    .isIn(401, 403);
        }

        @Test
        void afterTheFormLoginJolokiaReadsThePlatformMBeans() throws Exception {
            HttpClient browser = browser();
            HttpResponse<String> login = postJson(browser, console.uri().resolve("/hawtio/auth/login"),
                    "{\"username\":\"" + USER + "\",\"password\":\"" + PASSWORD + "\"}", null);
            assertThat(login.statusCode()).as(login.body()).isEqualTo(200);

            HttpResponse<String> read = postJson(browser, console.uri().resolve("/hawtio/jolokia/"), READ_HEAP, null);

            assertThat(read.statusCode()).isEqualTo(200);
            JsonNode body = JSON.readTree(read.body());
            assertThat(body.get("status").asInt()).as(read.body()).isEqualTo(200);
            assertThat(body.get("value").get("used").asLong()).isPositive();
            assertThat(get(browser, console.uri().resolve("/hawtio/camel/routes")).statusCode()).isEqualTo(200);
        }

        @Test
        void theConsoleFindsNoAccessListToAskAboutEveryOperationOnEachPageLoad() throws Exception {
            HttpClient browser = browser();
            postJson(browser, console.uri().resolve("/hawtio/auth/login"),
                    "{\"username\":\"" + USER + "\",\"password\":\"" + PASSWORD + "\"}", null);

            // the search Hawtio's console makes first on every page load; a match costs it a round trip per load
            HttpResponse<String> search = postJson(browser, console.uri().resolve("/hawtio/jolokia/"),
                    "{\"type\":\"search\",\"mbean\":\"*:type=security,area=jmx,*\"}", null);

            JsonNode body = JSON.readTree(search.body());
            assertThat(body.get("status").asInt()).as(search.body()).isEqualTo(200);
            assertThat(body.get("value")).as(search.body()).isEmpty();
        }

        @Test
        void jolokiaSeesCamelsRouteMBeans() throws Exception {
            try (org.apache.camel.CamelContext camel = new org.apache.camel.impl.DefaultCamelContext()) {
                camel.getCamelContextExtension().setName("ops-test-camel");
                camel.addRoutes(new org.apache.camel.builder.RouteBuilder() {
                    @Override
                    public void configure() {
                        from("direct:ops-test").routeId("ops-test-route").log("ping");
                    }
                });
                camel.start();

                // the request docs/console.md shows
                HttpResponse<String> read = postJson(client, console.uri().resolve("/hawtio/jolokia/"),
                        "{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=ops-test-camel,type=routes,name=*\","
                                + "\"attribute\":[\"RouteId\",\"State\",\"ExchangesTotal\",\"ExchangesFailed\"]}",
                        basic());

                assertThat(read.statusCode()).isEqualTo(200);
                JsonNode body = JSON.readTree(read.body());
                assertThat(body.get("status").asInt()).as(read.body()).isEqualTo(200);
                JsonNode route = body.get("value").elements().next();
                assertThat(route.get("RouteId").asText()).isEqualTo("ops-test-route");
                assertThat(route.get("State").asText()).isEqualTo("Started");
            }
        }

        @Test
        void jolokiaAcceptsBasicAuthenticationForScripts() throws Exception {
            HttpResponse<String> read = postJson(client, console.uri().resolve("/hawtio/jolokia/"), READ_HEAP, basic());

            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(read.body()).get("status").asInt()).isEqualTo(200);
        }

        @Test
        void theBrandingComesFromTheHawtioFolder() throws Exception {
            HttpResponse<String> response = get(client, console.uri().resolve("/hawtio/hawtconfig.json"));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).get("branding").get("appName").asText()).contains("429chain");
        }

        @Test
        void healthAndMetricsStayOpen() throws Exception {
            assertThat(get(client, console.uri().resolve("/health")).statusCode()).isEqualTo(200);
            assertThat(get(client, console.uri().resolve("/metrics")).statusCode()).isEqualTo(200);
        }

        private String basic() {
            return "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        }

        private HttpClient browser() {
            return HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .cookieHandler(new CookieManager())
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
        }
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postJson(HttpClient http, URI uri, String json, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static final class StubHealth implements HealthSource {
        volatile boolean accepting = true;
        volatile RuntimeException failure;

        @Override
        public int openStreams() {
            return 3;
        }

        @Override
        public ProviderCounts providers() {
            if (failure != null) {
                throw failure;
            }
            return new ProviderCounts(4, 1, 2, 1);
        }

        @Override
        public boolean accepting() {
            return accepting;
        }
    }
}
