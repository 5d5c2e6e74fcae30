package io.chain429.chain;

import io.chain429.core.CallGuard;
import io.chain429.core.ClientLink;
import io.chain429.core.EventLoops;
import io.chain429.core.Step;
import io.chain429.provider.Provider;
import io.chain429.provider.UpstreamRequest;
import io.chain429.ratelimit.ProviderState;
import io.vertx.core.Context;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * Sends the current step's request through its provider's adapter. The provider's answer becomes the message body:
 * the whole {@link io.chain429.provider.UpstreamResponse}, or for a streaming request the {@link CommitGate} that
 * read the stream up to its commit point (and relays the rest).
 *
 * <p>Asynchronous: on an event loop (where a request's route starts, see {@link io.chain429.api.EventLoopHttpEngine})
 * the call is sent from right there, and the route goes on, on that same event loop, once the answer is decided — for
 * a stream, after its first token went to the client. It goes on as a task queued on the loop, so the I/O the loop
 * already has in hand (other streams' first tokens among it) comes first, and so that it never runs on whichever
 * thread completed the call (a provider's own scheduler, say). What follows the call does not block: waits leave the
 * event loop first ({@link WaterfallRouter}), and so does writing a stream read whole ({@link io.chain429.api.FinishStream}).
 * On a request thread (after such a wait) the call is awaited there.
 */
public final class CallProvider extends AsyncProcessorSupport {

    private final ProviderState state;

    public CallProvider(ProviderState state) {
        this.state = state;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        long started = System.nanoTime();
        CompletionStage<Object> answer;
        try {
            answer = call(exchange, waterfall, started);
        } catch (RuntimeException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        Optional<Context> loop = EventLoops.current();
        if (loop.isPresent()) {
            answer.whenComplete((body, failure) -> {
                long decided = System.nanoTime();
                loop.get().runOnContext(next -> {
                    settle(exchange, waterfall, body, failure, decided - started);
                    callback.done(false);
                });
            });
            return false;
        }
        Object body = null;
        Throwable failure = null;
        try {
            body = answer.toCompletableFuture().get(); // bounded by the call's own timeouts
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        }
        settle(exchange, waterfall, body, failure, System.nanoTime() - started);
        callback.done(true);
        return true;
    }

    private CompletionStage<Object> call(Exchange exchange, Waterfall waterfall, long started) {
        Step step = waterfall.currentStep();
        Provider provider = waterfall.provider(step);
        UpstreamRequest request = provider.adapter().prepare(provider.config(), step.model(), waterfall.request().body());
        ClientLink client = exchange.getProperty(ClientLink.PROPERTY, ClientLink.class);
        CallGuard guard = client == null ? CallGuard.NONE : client;
        if (waterfall.request().stream()) {
            CommitGate gate = new CommitGate(waterfall, provider, step, client, started, state.now());
            return provider.adapter().open(provider.client(), request, guard, gate::headers).thenCompose(headers -> gate.decided()).thenApply(Object.class::cast);
        }
        return provider.adapter().send(provider.client(), request, guard).thenApply(Object.class::cast);
    }

    private static void settle(Exchange exchange, Waterfall waterfall, Object body, Throwable failure, long upstreamNanos) {
        waterfall.addUpstreamNanos(upstreamNanos);
        if (failure == null) {
            exchange.getMessage().setBody(body);
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        exchange.setException(cause instanceof Exception e ? e : new IOException(cause));
    }
}
