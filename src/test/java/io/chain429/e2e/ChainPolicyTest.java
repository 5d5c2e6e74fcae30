package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A chain's patience: retries on the same step, waiting out a short 429, and holding requests for a near reset. */
@ExtendWith(GatewayExtension.class)
class ChainPolicyTest {

    @Simulated
    private ProviderSimulator first;
    @Simulated
    private ProviderSimulator second;
    private RunningGateway gateway;

    @BeforeEach
    void boot() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: first
                    type: openai-compatible
                    baseUrl: %s
                    timeouts: {firstByte: 400ms}
                  - id: second
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(first.baseUrl(), second.baseUrl()),
                chain("patient", "first/model-a, second/model-b", "retries", "2", "retryWait", "1s")
                        + chain("plain", "first/model-a, second/model-b")
                        + chain("waiting", "first/model-a", "maxWait", "2s", "maxWaiting", "2")
                        + chain("crowd", "first/model-a", "maxWait", "3s", "maxWaiting", "16"),
                Map.of());
    }

    @Test
    void aFailingStepIsRetriedBeforeHoppingWhenTheChainAllowsIt() {
        Reply down = Reply.json(500, "{\"error\":{\"message\":\"hiccup\"}}");
        first.then(down, down);

        HttpResponse<String> response = gateway.chat("patient");

        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("first/model-a");
        assertThat(response.headers().firstValue("X-429chain-Attempts")).hasValue("3");
        assertThat(second.requestCount()).isZero();
    }

    @Test
    void withoutRetriesTheSameFailureHopsAtOnce() {
        first.then(Reply.json(500, "{}"));

        HttpResponse<String> response = gateway.chat("plain");

        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
    }

    @Test
    void aSilentStepIsNeverRetried() {
        first.then(Reply.json(200, first.completion("model-a")).after(Duration.ofSeconds(2)));

        HttpResponse<String> response = gateway.chat("patient");

        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(first.requestCount()).isEqualTo(1);
    }

    @Test
    void a429ResettingWithinRetryWaitIsWaitedOutOnTheSameStep() {
        first.then(Reply.json(429, "{}").withHeader("retry-after-ms", "300"));

        long start = System.nanoTime();
        HttpResponse<String> response = gateway.chat("patient");

        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("first/model-a");
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(280);
        assertThat(second.requestCount()).isZero();
    }

    @Test
    void a429ResettingLaterThanRetryWaitHopsAtOnce() {
        first.then(Reply.json(429, "{}").withHeader("retry-after", "30"));

        HttpResponse<String> response = gateway.chat("patient");

        assertThat(response.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
    }

    @Test
    void aChainWithMaxWaitHoldsARequestUntilTheResetInsteadOfAnswering429() {
        first.then(Reply.json(429, "{}").withHeader("retry-after-ms", "800"));

        long start = System.nanoTime();
        HttpResponse<String> response = gateway.chat("waiting");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(750);
        assertThat(first.requestCount()).isEqualTo(2);
    }

    @Test
    void theWaitingQueueIsBoundedAndTheRestGetTheir429AtOnce() throws Exception {
        first.then(Reply.json(429, "{}").withHeader("retry-after-ms", "1500"));
        assertThat(gateway.chat("plain").headers().firstValue("X-429chain-Provider")).hasValue("second/model-b"); // cools first/model-a

        List<Future<HttpResponse<String>>> responses = chatsAtOnce(5, "waiting");
        int served = 0;
        int refused = 0;
        for (Future<HttpResponse<String>> response : responses) {
            HttpResponse<String> done = response.get();
            if (done.statusCode() == 200) {
                served++;
            } else {
                refused++;
                assertThat(done.statusCode()).isEqualTo(429);
                assertThat(done.headers().firstValue("Retry-After")).isPresent();
                assertThat(done.headers().firstValue("X-RateLimit-Reset-Requests")).hasValueSatisfying(v -> assertThat(v).endsWith("s"));
                assertThat(json(done).path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
            }
        }

        assertThat(served).as("maxWaiting requests waited").isEqualTo(2);
        assertThat(refused).isEqualTo(3);
    }

    @Test
    void heldRequestsDoNotHoldUpTheOthers() throws Exception {
        first.then(Reply.json(429, "{}").withHeader("retry-after-ms", "2000"));
        assertThat(gateway.chat("plain").headers().firstValue("X-429chain-Provider")).hasValue("second/model-b"); // cools first/model-a

        // more held requests than 429chain has event loops: were a hold to sleep on the loop its request started on,
        // every loop would be asleep and the next request would wait for the reset too
        List<Future<HttpResponse<String>>> held = chatsAtOnce(12, "crowd");
        await("the 12 requests held").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> gateway.camelContext().getInflightRepository().size() == 12 || held.stream().anyMatch(Future::isDone));
        HttpResponse<String> other = gateway.chat("plain");

        assertThat(other.headers().firstValue("X-429chain-Provider")).hasValue("second/model-b");
        assertThat(held).as("answered while 12 requests are held")
                .allSatisfy(response -> assertThat(response.isDone()).as("still held").isFalse());
        for (Future<HttpResponse<String>> response : held) {
            assertThat(response.get().statusCode()).isEqualTo(200);
        }
    }

    /** Sends {@code count} requests to the chain at once, each from its own client thread. */
    private List<Future<HttpResponse<String>>> chatsAtOnce(int count, String chain) {
        ExecutorService clients = Executors.newFixedThreadPool(count);
        List<Future<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            responses.add(clients.submit(() -> gateway.chat(chain)));
        }
        clients.shutdown(); // the requests sent go on; the threads end with them
        return responses;
    }

    private static String chain(String name, String steps, String... parameters) {
        StringBuilder yaml = new StringBuilder("""
                - templatedRoute:
                    routeTemplateRef: chain
                    parameters:
                      - name: name
                        value: %s
                      - name: steps
                        value: %s
                """.formatted(name, steps));
        for (int i = 0; i < parameters.length; i += 2) {
            yaml.append("      - name: ").append(parameters[i]).append('\n')
                    .append("        value: \"").append(parameters[i + 1]).append("\"\n");
        }
        return yaml.toString();
    }
}
