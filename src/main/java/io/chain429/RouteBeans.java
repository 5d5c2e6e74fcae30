package io.chain429;

import io.chain429.api.ApiHttpServerFactory;
import io.chain429.api.EventLoopHttpEngine;
import io.chain429.api.FinishStream;
import io.chain429.api.ListModels;
import io.chain429.api.ListRateLimits;
import io.chain429.api.LogRequest;
import io.chain429.api.OpenStreams;
import io.chain429.api.ParseChatRequest;
import io.chain429.api.RetrieveModel;
import io.chain429.api.ServedModels;
import io.chain429.api.ShutdownGate;
import io.chain429.api.WatchClient;
import io.chain429.api.WriteApiError;
import io.chain429.api.WriteCompletion;
import io.chain429.api.connection.ClientRefusals;
import io.chain429.chain.CallProvider;
import io.chain429.chain.ClassifyFailure;
import io.chain429.chain.ClassifyOutcome;
import io.chain429.chain.LeaveEventLoop;
import io.chain429.chain.RecordOutcome;
import io.chain429.chain.ResolveChain;
import io.chain429.chain.SkipUnavailableStep;
import io.chain429.chain.StartWaterfall;
import io.chain429.chain.StreamingReply;
import io.chain429.chain.WaterfallRouter;
import io.chain429.config.ListenAddress;
import io.chain429.config.RuntimeSettings;
import io.chain429.ops.CountRequest;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.StepBreakers;
import io.chain429.security.Authenticate;
import io.chain429.security.EnforceClientLimits;
import io.chain429.security.RedisClientCounts;
import io.chain429.usage.Usage;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.concurrent.Executor;
import org.apache.camel.main.Main;

/**
 * Start-up's fourth step: binds into Camel's registry, by the names routes/*.yaml use, the Vert.x instance, the API
 * port's server and engine, and the processors the routes call.
 */
final class RouteBeans {

    private RouteBeans() {
    }

    static void bind(Main main, RuntimeSettings settings, Vertx vertx, StartUpFiles files, ProviderServices providers,
                     ChainServices chains, ShutdownGate gate, OpenStreams openStreams, Usage usage, MeterRegistry metrics) {
        ProviderState state = providers.state();
        StepBreakers breakers = providers.breakers();
        main.bind("vertx", vertx);
        // the API port opens once every route has started, and a port that cannot be bound stops start-up (ApiHttpServer);
        // it gives clients limited time to send their requests and reads their framing strictly (GuardedHttpServer)
        main.bind("apiHttpServerFactory", new ApiHttpServerFactory(new ListenAddress(settings.host(), settings.port(),
                "CHAIN429_HOST", "CHAIN429_PORT"), settings.clientTimeouts(), new ClientRefusals(metrics)));
        // Requests start on their connection's event loop (see EventLoopHttpEngine), unless a step before the provider
        // call may block (Redis: a round trip per check) or the request threads are all taken (then they queue).
        main.bind("platform-http-engine", new EventLoopHttpEngine(settings.port(), () -> providers.redis().isEmpty()
                && main.getCamelContext().getInflightRepository().size() < settings.maxConcurrentRequests()));
        Executor requestThreads = task -> vertx.executeBlocking(() -> {
            task.run();
            return null;
        }, false);
        main.bind("shutdownGate", gate);
        main.bind("authenticate", new Authenticate(files.clients(), files.config().settings().clientLimits()));
        main.bind("enforceClientLimits", providers.redis().map(link -> new EnforceClientLimits(Clock.systemUTC(), new RedisClientCounts(link)))
                .orElseGet(() -> new EnforceClientLimits(Clock.systemUTC())));
        main.bind("parseChatRequest", new ParseChatRequest());
        main.bind("watchClient", new WatchClient());
        main.bind("resolveChain", new ResolveChain(chains.registry(), providers.providers(), chains.adHoc()));
        main.bind("startWaterfall", new StartWaterfall(chains.registry(), providers.providers()));
        main.bind("waterfallRouter", new WaterfallRouter(state, chains.availability(), breakers));
        main.bind("streamingReply", new StreamingReply());
        main.bind("skipUnavailableStep", new SkipUnavailableStep(state, breakers, chains.availability()));
        main.bind("callProvider", new CallProvider(state));
        main.bind("leaveEventLoop", new LeaveEventLoop(requestThreads));
        main.bind("classifyOutcome", new ClassifyOutcome(state));
        main.bind("classifyFailure", new ClassifyFailure());
        main.bind("recordOutcome", new RecordOutcome(state, files.config().settings(), breakers, providers.keyProbe()));
        main.bind("writeCompletion", new WriteCompletion(state, chains.availability()));
        main.bind("finishStream", new FinishStream(state, breakers, openStreams, requestThreads));
        main.bind("logRequest", new LogRequest(usage, settings.requestLog().console()));
        main.bind("countRequest", new CountRequest(metrics));
        main.bind("writeApiError", new WriteApiError());
        ServedModels servedModels = new ServedModels(chains.registry(), providers.providers(), state);
        main.bind("listModels", new ListModels(servedModels));
        main.bind("retrieveModel", new RetrieveModel(servedModels));
        main.bind("listRateLimits", new ListRateLimits(providers.providers(), state, breakers));
        main.bind("providerStateStore", state);
    }
}
