package io.chain429.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chain429.Gateway;
import io.chain429.api.ApiHttpServer;
import io.chain429.config.RuntimeSettings;
import io.chain429.ops.ManagementServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The real 429chain, booted in this JVM from a temporary config folder and the project's own route files, serving
 * HTTP (or HTTPS) on a free loopback port.
 */
public final class RunningGateway implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PROJECT_ROUTES = List.of("api.camel.yaml", "waterfall.camel.yaml", "chain-template.camel.yaml");

    private final Main main;
    private final int port;
    private final String scheme;
    private final HttpClient http;
    private final List<Path> temporary;

    private RunningGateway(Main main, int port, SSLContext clientTls, List<Path> temporary) {
        this.main = main;
        this.temporary = temporary;
        this.port = port;
        this.scheme = clientTls == null ? "http" : "https";
        HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        this.http = (clientTls == null ? client : client.sslContext(clientTls)).build();
    }

    /** Boots with this {@code 429chain.yaml}, these chains, and these environment variables. */
    public static RunningGateway start(String gatewayYaml, String chainsYaml, Map<String, String> environment) throws Exception {
        return start(gatewayYaml, chainsYaml, environment, null);
    }

    /**
     * Boots serving HTTPS, with {@code CHAIN429_TLS_CERT} and {@code CHAIN429_TLS_KEY} in {@code environment}; this
     * harness's own requests then go to {@code https://} and trust what {@code clientTls} trusts.
     */
    public static RunningGateway start(String gatewayYaml, String chainsYaml, Map<String, String> environment, SSLContext clientTls)
            throws Exception {
        Path dir = Files.createTempDirectory("429chain-e2e");
        List<Path> temporary = new ArrayList<>(List.of(dir));
        Path config = Files.createDirectories(dir.resolve("config"));
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Files.writeString(config.resolve("429chain.yaml"), gatewayYaml);
        for (String file : PROJECT_ROUTES) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        Files.writeString(routes.resolve("chains.camel.yaml"), chainsYaml);
        return start(config, routes, environment, clientTls, temporary);
    }

    /** Boots from existing folders (e.g. the project's shipped config/ and routes/). */
    public static RunningGateway start(Path configDir, Path routesDir, Map<String, String> environment) throws Exception {
        return start(configDir, routesDir, environment, null, new ArrayList<>());
    }

    /** @param temporary the folders made for this gateway, deleted when it closes; the data folder joins them when made here */
    private static RunningGateway start(Path configDir, Path routesDir, Map<String, String> environment, SSLContext clientTls,
                                        List<Path> temporary) throws Exception {
        Map<String, String> env = new HashMap<>(environment);
        env.put("CHAIN429_CONFIG_DIR", configDir.toString());
        env.put("CHAIN429_ROUTES_DIR", routesDir.toString());
        if (!env.containsKey("CHAIN429_DATA_DIR")) {
            Path data = Files.createTempDirectory("429chain-data");
            temporary.add(data);
            env.put("CHAIN429_DATA_DIR", data.toString());
        }
        env.putIfAbsent("CHAIN429_MANAGEMENT_PORT", "0"); // any free port, read back from the running server
        // port 0: the system picks a free port as the API port opens, read back from the running server (a port
        // chosen free beforehand may be taken meanwhile, by another test's outgoing connection say)
        env.put("CHAIN429_PORT", "0");
        try {
            Main main = Gateway.create(RuntimeSettings.resolve(env)).main();
            main.start();
            return new RunningGateway(main, main.getCamelContext().hasService(ApiHttpServer.class).getPort(), clientTls, temporary);
        } catch (Exception | Error e) {
            delete(temporary); // a gateway that does not start (what some tests check) leaves no folders behind
            throw e;
        }
    }

    /**
     * A {@code 429chain.yaml} with two plain {@code openai-compatible} providers, {@code first} and {@code second}, at
     * these addresses, then {@code moreProviders} (further entries of the {@code providers} list, indented by two).
     */
    public static String firstAndSecond(String firstUrl, String secondUrl, String moreProviders) {
        return """
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(firstUrl, secondUrl) + moreProviders;
    }

    /** A chains file with one chain per entry: name followed by its comma-separated steps. */
    public static String chains(String... nameThenSteps) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < nameThenSteps.length; i += 2) {
            yaml.append("""
                    - templatedRoute:
                        routeTemplateRef: chain
                        parameters:
                          - name: name
                            value: %s
                          - name: steps
                            value: %s
                    """.formatted(nameThenSteps[i], nameThenSteps[i + 1]));
        }
        return yaml.toString();
    }

    public URI uri(String path) {
        return URI.create(scheme + "://127.0.0.1:" + port + path);
    }

    /** The operators' server: /health, /metrics, /hawtio. */
    public URI managementUri(String path) {
        ManagementServer management = main.getCamelContext().getRegistry().lookupByNameAndType("managementServer", ManagementServer.class);
        return URI.create("http://127.0.0.1:" + management.port() + path);
    }

    public HttpResponse<String> getManagement(String path) {
        return send(HttpRequest.newBuilder(managementUri(path)).GET().build());
    }

    /** A series' value in {@code /metrics}, found by its name and one label; 0 while nothing was counted in it. */
    public double metric(String name, String label, String value) {
        String labelled = label + "=\"" + value + "\"";
        return getManagement("/metrics").body().lines()
                .filter(line -> line.startsWith(name + "{") && line.contains(labelled))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(0);
    }

    public String baseUrl() {
        return scheme + "://127.0.0.1:" + port + "/v1";
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    public HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    /** A minimal valid request asking for {@code model}. */
    public HttpResponse<String> chat(String model) {
        return post("/v1/chat/completions", """
                {"model":"%s","messages":[{"role":"user","content":"hi there"}]}""".formatted(model));
    }

    /**
     * Waits until /v1/ratelimits shows no cooldown on this step's quota key (bucket: the model, {@code *} for a
     * provider-wide quota): a short cooldown a test caused has run out, and the step is tried again.
     */
    public void awaitNotCooling(String providerId, String bucket) {
        org.awaitility.Awaitility.await(providerId + "/" + bucket + " no longer cooling down")
                .atMost(java.time.Duration.ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(20))
                .until(() -> {
                    for (JsonNode provider : json(get("/v1/ratelimits")).path("data")) {
                        for (JsonNode key : provider.path("quotaKeys")) {
                            if (provider.path("id").asText().equals(providerId) && key.path("bucket").asText().equals(bucket)
                                    && !key.path("cooldown").isNull()) {
                                return false;
                            }
                        }
                    }
                    return true;
                });
    }

    /** A streamed answer as the client saw it: each {@code data:} payload with the time it arrived. */
    public record Streamed(HttpResponse<?> response, List<Event> events, String raw) {
        public record Event(long millis, String data) {
            public JsonNode json() {
                try {
                    return JSON.readTree(data);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        public int status() {
            return response.statusCode();
        }

        public String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        /** The chunks' concatenated delta contents. */
        public String content() {
            StringBuilder text = new StringBuilder();
            for (Event event : events) {
                if (!event.data().equals("[DONE]")) {
                    event.json().path("choices").forEach(c -> text.append(c.path("delta").path("content").asText("")));
                }
            }
            return text.toString();
        }

        public boolean endsWithDone() {
            return !events.isEmpty() && events.get(events.size() - 1).data().equals("[DONE]");
        }

        public Event last() {
            return events.get(events.size() - 1);
        }

        /** Arrival time of the first event carrying content, in ms since the request was sent. */
        public long firstContentMillis() {
            return events.stream().filter(e -> !e.data().equals("[DONE]") && !e.json().path("choices").path(0).path("delta").path("content").asText("").isEmpty())
                    .findFirst().orElseThrow().millis();
        }

        public long lastContentMillis() {
            return events.stream().filter(e -> !e.data().equals("[DONE]") && !e.json().path("choices").path(0).path("delta").path("content").asText("").isEmpty())
                    .reduce((a, b) -> b).orElseThrow().millis();
        }
    }

    /** Posts a request and reads the streamed answer event by event, noting when each arrives. */
    public Streamed stream(String body) {
        return stream(uri("/v1/chat/completions"), body);
    }

    /** {@link #stream(String)} sent to another address, e.g. a reverse proxy in front of this gateway. */
    public Streamed stream(URI target, String body) {
        HttpRequest request = HttpRequest.newBuilder(target)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long start = System.nanoTime();
        try {
            HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            List<Streamed.Event> events = new java.util.ArrayList<>();
            StringBuilder raw = new StringBuilder();
            try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(response.body(), java.nio.charset.StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    raw.append(line).append('\n');
                    if (line.startsWith("data: ")) {
                        events.add(new Streamed.Event((System.nanoTime() - start) / 1_000_000, line.substring(6)));
                    }
                }
            } catch (IOException cut) {
                raw.append("<connection failed: ").append(cut.getClass().getSimpleName()).append(">");
            }
            return new Streamed(response, events, raw.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A minimal streaming request for {@code model}. */
    public Streamed streamChat(String model) {
        return stream("""
                {"model":"%s","stream":true,"messages":[{"role":"user","content":"hi there"}]}""".formatted(model));
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }


    @Override
    public void close() {
        main.stop();
        delete(temporary);
    }

    private static void delete(List<Path> folders) {
        for (Path folder : folders) {
            try (var paths = Files.walk(folder)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // a temporary folder left behind is no failure of the test
            }
        }
    }
}
