package io.chain429.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Open streams hold no request thread: with as many streams open as {@code CHAIN429_MAX_CONCURRENT_REQUESTS}, a
 * further request (which then starts on a request thread) is still answered at once, not when a stream ends.
 */
class StreamCapacityTest {

    private static final int MAX_CONCURRENT_REQUESTS = 4;

    @Test
    void openStreamsLeaveTheRequestThreadsFree() throws Exception {
        try (ProviderSimulator first = new ProviderSimulator("first");
             ProviderSimulator second = new ProviderSimulator("second")) {
            // streams of 2 s: 20 tokens 100 ms apart
            first.always(Reply.stream(StreamScript.chat("model-a", IntStream.range(0, 20).mapToObj(i -> "t" + i + " ").toArray(String[]::new))
                    .interval(Duration.ofMillis(100))));
            try (RunningGateway gateway = RunningGateway.start(RunningGateway.firstAndSecond(first.baseUrl(), second.baseUrl(), ""),
                    RunningGateway.chains("long", "first/model-a", "short", "second/model-b"),
                    Map.of("CHAIN429_MAX_CONCURRENT_REQUESTS", String.valueOf(MAX_CONCURRENT_REQUESTS)))) {
                ExecutorService clients = Executors.newFixedThreadPool(MAX_CONCURRENT_REQUESTS);
                List<Future<RunningGateway.Streamed>> streams = new ArrayList<>();
                for (int i = 0; i < MAX_CONCURRENT_REQUESTS; i++) {
                    streams.add(clients.submit(() -> gateway.streamChat("long")));
                }
                clients.shutdown();
                await("every stream committed and relaying").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                        .until(() -> first.openStreams() == MAX_CONCURRENT_REQUESTS || streams.stream().anyMatch(Future::isDone));

                HttpResponse<String> other = gateway.chat("short");

                assertThat(other.statusCode()).isEqualTo(200);
                assertThat(streams).as("answered while %d streams are open", MAX_CONCURRENT_REQUESTS)
                        .allSatisfy(stream -> assertThat(stream.isDone()).as("still streaming").isFalse());
                for (Future<RunningGateway.Streamed> stream : streams) {
                    assertThat(stream.get().endsWithDone()).isTrue();
                }
            }
        }
    }
}
