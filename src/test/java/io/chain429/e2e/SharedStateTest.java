package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two replicas of 429chain sharing provider state through one real Redis. */
@ExtendWith(GatewayExtension.class)
class SharedStateTest {

    private RedisServer redis;
    @Simulated
    private ProviderSimulator first;
    @Simulated
    private ProviderSimulator second;
    private final List<AutoCloseable> replicas = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable replica : replicas) {
            replica.close();
        }
        redis.close();
    }

    private String gatewayYaml(String firstExtras) {
        return """
                version: 1
                settings:
                  state: redis
                  redis: {url: "${env:CHAIN429_REDIS_URL}", permitLease: 2s}
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                %s
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl(), firstExtras, second.baseUrl());
    }

    private RunningGateway replica(String firstExtras) throws Exception {
        RunningGateway gateway = RunningGateway.start(gatewayYaml(firstExtras), chains("duo", "first/model-a, second/model-b"),
                Map.of("CHAIN429_REDIS_URL", redis.url()));
        replicas.add(gateway);
        await("the replica reaches Redis", () -> redisUp(gateway));
        return gateway;
    }

    @Test
    void aRateLimitSeenByOneReplicaMakesTheOtherSkipThatStep() throws Exception {
        RunningGateway a = replica("");
        RunningGateway b = replica("");
        first.then(Reply.json(429, "{}").withHeader("retry-after", "30"));

        long sent = System.nanoTime();
        HttpResponse<String> servedByA = a.chat("duo");
        assertThat(servedByA.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        await("B learns of the cooldown", () -> cooling(b, "first"));

        HttpResponse<String> servedByB = b.chat("duo");
        assertThat(servedByB.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(servedByB.headers().firstValue("X-429chain-Attempts")).as("B skipped first without asking it").hasValue("1");
        assertThat(first.requestCount()).isEqualTo(1);
        assertThat(redis.command("PTTL 429chain:cooldown:first/model-a")).as("the cooldown ends by Redis TTL")
                .matches(":\\d+").satisfies(ttl -> assertThat(Long.parseLong(ttl.substring(1)))
                        .as("30 s less the time since the 429 (and a millisecond of Redis's rounding)")
                        .isBetween(30_000L - millisSince(sent) - 1, 30_000L));
    }

    @Test
    void aConcurrencyLimitOfTwoHoldsAcrossBothReplicasUnderFiftyParallelRequests() throws Exception {
        RunningGateway a = replica("    limits: {concurrency: 2}");
        RunningGateway b = replica("    limits: {concurrency: 2}");
        first.always(Reply.json(200, first.completion("model-a")).after(Duration.ofMillis(200)));
        second.always(Reply.json(200, second.completion("model-b")).after(Duration.ofMillis(200)));

        ExecutorService clients = Executors.newFixedThreadPool(50);
        List<Future<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            RunningGateway replica = i % 2 == 0 ? a : b;
            responses.add(clients.submit(() -> replica.chat("duo")));
        }
        int servedByFirst = 0;
        for (Future<HttpResponse<String>> response : responses) {
            HttpResponse<String> done = response.get();
            assertThat(done.statusCode()).isEqualTo(200);
            servedByFirst += done.headers().firstValue("X-429chain-Provider").orElseThrow().equals("first/model-a") ? 1 : 0;
        }
        clients.shutdown();

        assertThat(first.maxConcurrentRequests()).as("never more than 2 at once across both replicas").isLessThanOrEqualTo(2);
        assertThat(servedByFirst).as("the limited step still did its share").isGreaterThan(0);
        assertThat(servedByFirst + second.requestCount()).isEqualTo(50);
        await("every permit is released in Redis", () -> command("ZCARD 429chain:usage:first/model-a:permits").equals(":0"));
    }

    @Test
    void aConfiguredRequestsPerMinuteIsCountedAcrossReplicas() throws Exception {
        RunningGateway a = replica("    limits: {rpm: 2}");
        RunningGateway b = replica("    limits: {rpm: 2}");

        List<String> servedBy = new ArrayList<>();
        for (RunningGateway replica : List.of(a, b, a, b)) {
            servedBy.add(replica.chat("duo").headers().firstValue("X-429chain-Provider").orElseThrow());
        }

        assertThat(servedBy).containsExactly("first/model-a", "first/model-a", "second/model-b", "second/model-b");
        assertThat(first.requestCount()).isEqualTo(2);
    }

    @Test
    void whatAProviderReportedToOneReplicaGuidesTheOther() throws Exception {
        RunningGateway a = replica("");
        RunningGateway b = replica("");
        first.then(Reply.json(200, first.completion("model-a"))
                .withHeader("x-ratelimit-limit-tokens", "6000")
                .withHeader("x-ratelimit-remaining-tokens", "300")
                .withHeader("x-ratelimit-reset-tokens", "30s"));
        a.chat("duo");
        await("B learns what first reported", () -> json(b.get("/v1/ratelimits")).toString().contains("\"remaining\":300"));

        HttpResponse<String> big = b.post("/v1/chat/completions",
                "{\"model\":\"duo\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        HttpResponse<String> small = b.post("/v1/chat/completions",
                "{\"model\":\"duo\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(big.headers().firstValue("X-429chain-Provider")).as("300 tokens left cannot cover it").hasValue("second/model-b");
        assertThat(big.headers().firstValue("X-429chain-Attempts")).hasValue("1");
        assertThat(small.headers().firstValue("X-429chain-Provider")).hasValue("first/model-a");
    }

    @Test
    void withRedisStoppedBothReplicasKeepServingAndAfterItsRestartTheyShareAgain() throws Exception {
        RunningGateway a = replica("");
        RunningGateway b = replica("");

        redis.stop();
        await("A notices Redis is gone", () -> !redisUp(a));
        first.then(Reply.json(429, "{}").withHeader("retry-after", "60"));
        HttpResponse<String> servedByA = a.chat("duo");
        HttpResponse<String> servedByB = b.chat("duo");
        assertThat(servedByA.statusCode()).isEqualTo(200);
        assertThat(servedByB.statusCode()).isEqualTo(200);
        assertThat(servedByA.headers().firstValue("X-429chain-Provider")).as("A's 429 waterfalls").hasValue("second/model-b");
        assertThat(servedByB.headers().firstValue("X-429chain-Provider")).as("B could not hear of it").hasValue("first/model-a");
        String metrics = a.getManagement("/metrics").body();
        assertThat(metrics).contains("chain429_state_backend_up{backend=\"redis\"} 0.0");
        assertThat(metrics).containsPattern("chain429_state_backend_fallbacks_total\\{backend=\"redis\"} [1-9]");

        redis.restart();
        await("both replicas are back on Redis", () -> redisUp(a) && redisUp(b));
        await("B learns what A learnt while Redis was away", () -> cooling(b, "first"));
        HttpResponse<String> afterRestart = b.chat("duo");
        assertThat(afterRestart.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(afterRestart.headers().firstValue("X-429chain-Attempts")).hasValue("1");
        assertThat(a.getManagement("/metrics").body()).contains("chain429_state_backend_up{backend=\"redis\"} 1.0");
    }

    @Test
    void aClientLimitCountsRequestsOnEveryReplica() throws Exception {
        String yaml = gatewayYaml("").replace("providers:", """
                  clientLimits: {rpm: 3}
                clients:
                  - id: webapp
                    key: ${env:WEBAPP_KEY}
                providers:""");
        Map<String, String> env = Map.of("CHAIN429_REDIS_URL", redis.url(), "WEBAPP_KEY", "client-key-for-the-redis-test");
        RunningGateway a = RunningGateway.start(yaml, chains("duo", "first/model-a, second/model-b"), env);
        replicas.add(a);
        RunningGateway b = RunningGateway.start(yaml, chains("duo", "first/model-a, second/model-b"), env);
        replicas.add(b);
        await("both replicas reach Redis", () -> redisUp(a) && redisUp(b));
        String body = "{\"model\":\"duo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            statuses.add((i % 2 == 0 ? a : b).post("/v1/chat/completions", body, "Authorization", "Bearer client-key-for-the-redis-test").statusCode());
        }
        HttpResponse<String> fifth = a.post("/v1/chat/completions", body, "Authorization", "Bearer client-key-for-the-redis-test");

        assertThat(statuses).containsExactly(200, 200, 200, 429);
        assertThat(fifth.statusCode()).isEqualTo(429);
        assertThat(json(fifth).path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(fifth.headers().firstValue("Retry-After")).isPresent();
        assertThat(first.requestCount()).as("the refused requests reached no provider").isEqualTo(3);
    }

    @Test
    void aKilledReplicasPermitComesBackAfterItsLease() throws Exception {
        RunningGateway a = replica("    limits: {concurrency: 1}");
        ReplicaProcess b = ReplicaProcess.start(gatewayYaml("    limits: {concurrency: 1}"), chains("duo", "first/model-a, second/model-b"),
                Map.of("CHAIN429_REDIS_URL", redis.url()));
        replicas.add(b);
        first.then(Reply.json(200, first.completion("model-a")).after(Duration.ofSeconds(60)));
        java.net.http.HttpClient.newHttpClient().sendAsync(java.net.http.HttpRequest.newBuilder(b.uri("/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"duo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        await("B's request holds the only permit", () -> first.requestCount() == 1);
        assertThat(a.chat("duo").headers().firstValue("X-429chain-Provider")).as("A respects B's permit").hasValue("second/model-b");

        b.kill();
        await("A gets the permit once B's lease ran out", () ->
                a.chat("duo").headers().firstValue("X-429chain-Provider").orElseThrow().equals("first/model-a"));
    }

    @Test
    void aReplicaReachesRedisOverTls(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir, "redis", "RSA");
        int tlsPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            tlsPort = free.getLocalPort();
        }
        redis.close();
        // the plain port stays for this test's own look into Redis; the replica is given only the TLS one
        redis = RedisServer.start("--tls-port", String.valueOf(tlsPort), "--tls-cert-file", certificate.certificate().toString(),
                "--tls-key-file", certificate.privateKey().toString(), "--tls-ca-cert-file", certificate.certificate().toString(),
                "--tls-auth-clients", "no");
        java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("redis", certificate.x509());
        java.nio.file.Path trustStore = dir.resolve("trusted.p12");
        try (var out = java.nio.file.Files.newOutputStream(trustStore)) {
            trusted.store(out, "trusted".toCharArray());
        }
        first.then(Reply.json(429, "{}").withHeader("retry-after", "30"));

        ReplicaProcess replica = ReplicaProcess.start(gatewayYaml(""), chains("duo", "first/model-a, second/model-b"),
                Map.of("CHAIN429_REDIS_URL", "rediss://127.0.0.1:" + tlsPort),
                List.of("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStoreType=PKCS12",
                        "-Djavax.net.ssl.trustStorePassword=trusted"));
        replicas.add(replica);
        HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(replica.uri("/v1/chat/completions")).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"duo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        await("the cooldown reaches Redis over TLS", () -> command("PTTL 429chain:cooldown:first/model-a").matches(":\\d+"));
    }

    @Test
    void aPasswordProtectedRedisIsReachedAndItsPasswordShownNowhere() throws Exception {
        redis.close();
        redis = RedisServer.start("--requirepass", "redis-pass-qxzvw-secret");
        String url = redis.url().replace("redis://", "redis://:redis-pass-qxzvw-secret@");
        RunningGateway gateway = RunningGateway.start(gatewayYaml(""), chains("duo", "first/model-a, second/model-b"),
                Map.of("CHAIN429_REDIS_URL", url));
        replicas.add(gateway);

        await("the replica logs in to Redis", () -> redisUp(gateway));
        assertThat(gateway.chat("duo").statusCode()).isEqualTo(200);
        String everything = gateway.getManagement("/health").body() + gateway.getManagement("/metrics").body()
                + gateway.get("/v1/ratelimits").body()
                + java.lang.management.ManagementFactory.getPlatformMBeanServer().getAttribute(
                        new javax.management.ObjectName("io.chain429:type=StateBackend"), "Address");
        assertThat(everything).doesNotContain("redis-pass-qxzvw-secret").doesNotContain("qxzvw");
    }

    private String command(String inline) {
        try {
            return redis.command(inline);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static boolean redisUp(RunningGateway gateway) {
        return json(gateway.getManagement("/health")).path("stateBackend").path("up").asBoolean();
    }

    private static boolean cooling(RunningGateway gateway, String provider) {
        for (var p : json(gateway.get("/v1/ratelimits")).path("data")) {
            if (p.path("id").asText().equals(provider)) {
                for (var key : p.path("quotaKeys")) {
                    if (!key.path("cooldown").isNull() && !key.path("cooldown").isMissingNode()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Waits for something that happens asynchronously (pub/sub, reconnection), generously: the machine is shared. */
    static void await(String what, BooleanSupplier condition) {
        org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(condition::getAsBoolean);
    }

    /** Milliseconds since then, rounded up. */
    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos + 999_999) / 1_000_000;
    }
}
