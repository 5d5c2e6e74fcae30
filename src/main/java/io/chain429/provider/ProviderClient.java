package io.chain429.provider;

import io.chain429.config.ProviderConfig.Timeouts;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP to one provider. Each provider has its own JDK client, hence its own pool of keep-alive connections,
 * so a slow provider never starves another's connections.
 */
public final class ProviderClient {

    private final HttpClient http;
    private final Timeouts timeouts;

    public ProviderClient(Timeouts timeouts) {
        this.timeouts = timeouts;
        // HTTP/1.1: providers' HTTP/2 support is uneven and h2c upgrade attempts cost a round trip on plain http.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeouts.connect())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Sends a JSON POST and reads the whole answer. The first-byte timeout bounds the wait for the response
     * headers; the total timeout bounds the whole exchange.
     */
    public UpstreamResponse send(UpstreamRequest request) throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri())
                .timeout(timeouts.firstByte())
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        request.apiKey().ifPresent(key -> builder.header("Authorization", "Bearer " + key.reveal()));
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        try {
            HttpResponse<byte[]> response = pending.get(timeouts.total().toMillis(), TimeUnit.MILLISECONDS);
            return new UpstreamResponse(response.statusCode(), response.headers(), response.body());
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no complete answer within the total timeout of " + timeouts.total().toSeconds() + "s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }
}
