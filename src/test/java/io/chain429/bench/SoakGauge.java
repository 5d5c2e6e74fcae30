package io.chain429.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Measures the 429chain process between the parts of the soak: its heap in use right after a full GC
 * ({@code jcmd <pid> GC.run}, then its performance counters), its RSS, and the size of what clients' names could
 * once grow: {@code /metrics} and {@code provider-state.json}.
 */
final class SoakGauge implements Soak.Gauge {

    /**
     * Long enough for 429chain to have handled the closed connections, drained its request log's queue (every 100 ms)
     * and written its state file (1 s after a change), so that what is measured is what it keeps.
     */
    private static final long QUIET_MILLIS = 1500;

    private final FastSimulator simulator;
    private final GatewayProcess gateway;
    private final PerfCounters perf;
    private final Consumer<String> progress;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    SoakGauge(FastSimulator simulator, GatewayProcess gateway, Consumer<String> progress) {
        this.simulator = simulator;
        this.gateway = gateway;
        this.perf = gateway.perfCounters();
        this.progress = progress;
    }

    @Override
    public Soak.Checkpoint measure(String when, long requestsSoFar) throws Exception {
        progress.accept("soak, " + when + ": heap after a full GC...");
        // 429chain's pooled connections to the provider hold buffers that are no state of its own: closed first, as
        // before the memory rounds (the load client's are closed at the end of each part)
        simulator.closeAllConnections();
        Thread.sleep(QUIET_MILLIS);
        long metrics = metricsBytes();
        long stateFile = size(gateway.dataDir().resolve("provider-state.json"));
        long heap = gateway.fullGc() ? PerfCounters.heap(perf.read())[0] : -1;
        return new Soak.Checkpoint(when, requestsSoFar, heap, gateway.rssKiB(), metrics, stateFile);
    }

    private long metricsBytes() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.managementPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return response.statusCode() == 200 ? response.body().length : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
