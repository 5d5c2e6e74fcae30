package io.chain429.provider;

import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.config.Secret;
import io.chain429.sse.SseSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP to one provider. Each provider has its own JDK client, hence its own pool of keep-alive connections,
 * so a slow provider never starves another's connections.
 */
public final class ProviderClient {

    static {
        // A pooled keep-alive connection that the provider closed while idle fails before any response byte; the JDK
        // client may then resend the POST on a fresh connection instead of failing the step (it retries GETs only).
        if (System.getProperty("jdk.httpclient.enableAllMethodRetry") == null) {
            System.setProperty("jdk.httpclient.enableAllMethodRetry", "true");
        }
    }

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

    public Timeouts timeouts() {
        return timeouts;
    }

    /**
     * Sends a JSON POST and reads the whole answer. The first-byte timeout bounds the wait for the response
     * headers; the total timeout bounds the whole exchange.
     */
    public UpstreamResponse send(UpstreamRequest request, CallGuard guard) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(build(request), HttpResponse.BodyHandlers.ofByteArray());
        guard.onAbort(() -> pending.cancel(true));
        HttpResponse<byte[]> response = await(pending, timeouts.total().toMillis());
        return new UpstreamResponse(response.statusCode(), response.headers(), response.body());
    }

    /**
     * Sends a streaming request and returns as soon as the response headers are in; the body is then read through
     * the stream's {@link SseSource}, whose {@code close()} aborts the upstream request.
     */
    public UpstreamStream open(UpstreamRequest request, CallGuard guard) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<Flow.Publisher<List<ByteBuffer>>>> pending =
                http.sendAsync(build(request), HttpResponse.BodyHandlers.ofPublisher());
        guard.onAbort(() -> pending.cancel(true));
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response = await(pending, timeouts.firstByte().toMillis() + 1_000);
        SseSource source = new SseSource();
        response.body().subscribe(source);
        guard.onAbort(source::close);
        return new UpstreamStream(response.statusCode(), response.headers(), source);
    }

    /**
     * Sends a GET (e.g. a key probe's {@code /models}) and returns the status code only. The body is never read: the
     * call returns as soon as the response headers are in, within the connect and first-byte timeouts.
     */
    public int get(URI uri, Optional<Secret> apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(timeouts.firstByte())
                .header("Accept", "application/json")
                .GET();
        apiKey.ifPresent(key -> builder.header("Authorization", "Bearer " + key.reveal()));
        CompletableFuture<HttpResponse<InputStream>> pending = http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> response = await(pending, timeouts.connect().plus(timeouts.firstByte()).toMillis() + 1_000);
        try (InputStream ignored = response.body()) {
            return response.statusCode(); // closing the unread body gives up the rest of it
        }
    }

    private HttpRequest build(UpstreamRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri())
                .timeout(timeouts.firstByte())
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        request.apiKey().ifPresent(key -> builder.header("Authorization", "Bearer " + key.reveal()));
        return builder.build();
    }

    private static <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> pending, long timeoutMillis)
            throws IOException, InterruptedException {
        try {
            return pending.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            // not an HttpTimeoutException: that one means "no first byte", and this answer was merely too slow
            throw new IOException("no complete answer within " + timeoutMillis + " ms", e);
        } catch (CancellationException e) {
            throw new IOException("call aborted: the client went away", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }
}
