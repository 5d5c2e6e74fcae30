package io.chain429;

import io.chain429.api.ApiHttpServerFactory;
import io.chain429.api.EventLoopHttpEngine;
import io.chain429.api.FinishStream;
import io.chain429.api.ListModels;
import io.chain429.api.ListRateLimits;
import io.chain429.api.LogRequest;
import io.chain429.api.OpenStreams;
import io.chain429.api.ParseChatRequest;
import io.chain429.api.RequestThreads;
import io.chain429.api.RetrieveModel;
import io.chain429.api.ServedModels;
import io.chain429.api.ShutdownGate;
import io.chain429.api.WatchClient;
import io.chain429.api.WriteApiError;
import io.chain429.api.WriteCompletion;
import io.chain429.chain.AdHocSteps;
import io.chain429.chain.Availability;
import io.chain429.chain.CallProvider;
import io.chain429.chain.ChainDefinition;
import io.chain429.chain.ChainFiles;
import io.chain429.chain.ChainRegistry;
import io.chain429.chain.ChainRouteIds;
import io.chain429.chain.ChainSummary;
import io.chain429.chain.ClassifyFailure;
import io.chain429.chain.ClassifyOutcome;
import io.chain429.chain.LeaveEventLoop;
import io.chain429.chain.RecordOutcome;
import io.chain429.chain.ResolveChain;
import io.chain429.chain.SkipUnavailableStep;
import io.chain429.chain.StartWaterfall;
import io.chain429.chain.StreamingReply;
import io.chain429.chain.WaterfallRouter;
import io.chain429.config.ClientConfig;
import io.chain429.config.ConfigException;
import io.chain429.config.ConfigLoader;
import io.chain429.config.GatewayConfig;
import io.chain429.config.ListenAddress;
import io.chain429.config.ProviderConfig;
import io.chain429.config.RuntimeSettings;
import io.chain429.config.Secret;
import io.chain429.config.StateBackend;
import io.chain429.ops.ChainsMBean;
import io.chain429.ops.ConsoleCredentials;
import io.chain429.ops.CountRequest;
import io.chain429.ops.GatewayHealth;
import io.chain429.ops.HealthSource;
import io.chain429.ops.ManagementServer;
import io.chain429.ops.ProviderMBeans;
import io.chain429.ops.StateBackendMBean;
import io.chain429.ops.StatsHandler;
import io.chain429.ops.TemplatedRouteDumps;
import io.chain429.ops.UsageMBean;
import io.chain429.provider.AdapterRegistry;
import io.chain429.provider.KeyCheck;
import io.chain429.provider.KeyProbe;
import io.chain429.provider.ProviderClients;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.EmbeddedProviderState;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.RedisLink;
import io.chain429.ratelimit.RedisProviderState;
import io.chain429.ratelimit.StateBackendHealth;
import io.chain429.ratelimit.StateFile;
import io.chain429.ratelimit.StepBreakers;
import io.chain429.reload.ChangeWatcher;
import io.chain429.reload.LiveConfig;
import io.chain429.reload.LiveReload;
import io.chain429.reload.ReloadApplier;
import io.chain429.reload.ReloadValidator;
import io.chain429.security.Authenticate;
import io.chain429.security.CorsPolicy;
import io.chain429.security.EnforceClientLimits;
import io.chain429.security.RedisClientCounts;
import io.chain429.security.ServerCertificate;
import io.chain429.usage.RecentRequests;
import io.chain429.usage.RequestLogFile;
import io.chain429.usage.Usage;
import io.chain429.usage.UsageTotals;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.Model;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles 429chain: validates the configuration, builds the shared provider state and the processors the YAML
 * routes refer to, and configures a Camel Main that loads those routes from the routes folder.
 */
public final class Gateway {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final Main main;
    private final ShutdownGate gate;
    private final Duration shutdownGrace;

    private Gateway(Main main, ShutdownGate gate, Duration shutdownGrace) {
        this.main = main;
        this.gate = gate;
        this.shutdownGrace = shutdownGrace;
    }

    public Main main() {
        return main;
    }

    /**
     * SIGTERM: new requests get 503 at once, requests in flight (streams included) get up to the grace period to
     * finish, then Camel stops (and the provider state is written). Returns at once; the drain runs on its own thread.
     */
    public void shutdownGracefully() {
        Thread drain = new Thread(() -> {
            gate.close();
            long deadline = System.nanoTime() + shutdownGrace.toNanos();
            LOG.info("shutting down: refusing new requests, letting those in flight finish (at most {}s)", shutdownGrace.toSeconds());
            try {
                while (main.getCamelContext().getInflightRepository().size() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            main.completed();
        }, "429chain-shutdown");
        drain.start();
    }

    /**
     * @throws io.chain429.config.ConfigException when a file is invalid, before anything starts
     */
    public static Gateway create(RuntimeSettings settings) {
        AdapterRegistry adapters = AdapterRegistry.builtIn();
        GatewayConfig config = ConfigLoader.load(settings.gatewayConfigFile(), settings.environment(), adapters);
        List<ChainDefinition> chains = ChainFiles.load(settings.routesDir(), config);
        reportProviders(config);
        chains.forEach(chain -> LOG.info("{}", ChainSummary.of(chain, config.settings().defaultChain(),
                id -> config.provider(id).filter(ProviderConfig::enabled).isPresent())));
        List<ClientConfig> clients = clients(config, settings);
        Optional<ServerCertificate> tls = serverCertificate(settings);
        guardExposure(settings, clients, tls.isPresent());

        // One Vert.x for everything: Camel's platform-http finds it in the registry (it then leaves closing it to us) and
        // serves clients on its event loops, and the provider clients do their I/O on the same loops. A request's route
        // runs on the loop (EventLoopHttpEngine, CallProvider) and moves to a Vert.x worker thread (virtual on Java 24+,
        // see RequestThreads) only where it may block: waits, a stream read whole written to a slow client, and requests
        // beyond CHAIN429_MAX_CONCURRENT_REQUESTS, which queue for this pool. A wait may outlast Vert.x's blocked-thread
        // warning.
        Vertx vertx = Vertx.vertx(new VertxOptions()
                .setWorkerPoolSize(settings.maxConcurrentRequests())
                .setMaxWorkerExecuteTime(TimeUnit.HOURS.toNanos(1)));
        LOG.info("requests run on {} threads, at most {} at once", RequestThreads.virtual() ? "virtual" : "platform (virtual on Java 24+)",
                settings.maxConcurrentRequests());
        ProviderRegistry providers = new ProviderRegistry(config, adapters, new ProviderClients(vertx, settings.maxConcurrentRequests()));
        EmbeddedProviderState embedded = new EmbeddedProviderState(Clock.systemUTC());
        StateFile stateFile = new StateFile(settings.dataDir(), embedded::snapshot);
        // settings.state: redis — the embedded state becomes this replica's view of the state Redis shares, and Redis
        // (not the state file) keeps it across restarts
        StateBackend backend = config.settings().stateBackend();
        Optional<RedisLink> redis = backend.kind() == StateBackend.Kind.REDIS ? Optional.of(new RedisLink(backend)) : Optional.empty();
        ProviderState state = redis.<ProviderState>map(link -> new RedisProviderState(embedded, link, backend.permitLease())).orElse(embedded);
        if (redis.isEmpty()) {
            stateFile.load().ifPresent(saved -> embedded.restore(saved,
                    id -> config.provider(id).flatMap(ProviderConfig::apiKey).map(Secret::masked).orElse("")));
            embedded.onChange(stateFile::changed);
        }
        StateBackendHealth backendHealth = redis.<StateBackendHealth>map(link -> link).orElse(StateBackendHealth.EMBEDDED);
        LOG.info("provider state: {}", redis.map(link -> "shared through Redis at " + link.address()).orElse("embedded, kept in " + settings.dataDir()));
        ChainRegistry chainRegistry = new ChainRegistry(chains, config.settings().defaultChain());
        Availability availability = new Availability(state);
        Duration probeAfter = config.settings().keyProbeAfter();
        OpenStreams openStreams = new OpenStreams();
        PrometheusMeterRegistry metrics = ManagementServer.newRegistry();
        StepBreakers breakers = new StepBreakers(config.settings().circuit(), config.settings().circuitOpenFor(), Clock.systemUTC(), metrics);
        // what is kept for provider/model steps clients name outside any chain is bounded: the least recently used is forgotten
        AdHocSteps adHoc = new AdHocSteps(config.settings().adHocModelsPerProvider(), chainRegistry);
        adHoc.onForget(breakers::forget);
        adHoc.onForget(step -> providers.find(step.providerId())
                .map(provider -> QuotaKey.of(provider.config(), step.model()))
                .filter(key -> key.bucket().equals(step.model())) // a key of its own, not the account's or a group's
                .ifPresent(state::forget));
        KeyProbe keyProbe = new KeyProbe(state, providers, probeAfter, Collections.max(List.of(probeAfter, KeyProbe.DEFAULT_MAX_DELAY)));
        // keys restored as disabled from disk are probed again; an operator's decision is kept as it is
        state.snapshot().disabled().stream()
                .filter(disabled -> !disabled.reason().equals(ProviderState.OPERATOR_REASON))
                .forEach(disabled -> keyProbe.disabled(disabled.providerId()));
        // a rejected key is found before a request meets it: every key is checked once Camel has started, then every
        // keyCheckEvery
        KeyCheck keyCheck = new KeyCheck(state, providers, keyProbe, config.settings().keyCheckEvery());

        // each finished request: a line in <dataDir>/requests.log, the recent requests, the usage totals
        Usage usage = new Usage(new RequestLogFile(settings.dataDir(), settings.requestLog()),
                new RecentRequests(RecentRequests.DEFAULT_CAPACITY), new UsageTotals(Clock.systemUTC()));
        ProviderMBeans providerMBeans = new ProviderMBeans(providers, state, keyProbe, breakers);
        ReloadValidator reloadValidator = new ReloadValidator(settings.gatewayConfigFile(), settings.routesDir(),
                settings.environment(), adapters);
        LiveConfig served = reloadValidator.initial(config, chains);

        Main main = new Main();
        // Anything Camel-specific a user wants to tune goes in the same file as the CHAIN429_* settings.
        main.setDefaultPropertyPlaceholderLocation("file:" + settings.configDir().resolve("application.properties") + ";optional=true");
        main.addOverrideProperty("camel.main.name", "429chain");
        main.addOverrideProperty("camel.main.routesIncludePattern", "file:" + settings.routesDir() + "/*.yaml");
        main.addOverrideProperty("camel.main.streamCachingEnabled", "false");
        // Camel's own reloader ignores templatedRoute entries, i.e. the chains: 429chain's LiveReload does it instead
        main.addOverrideProperty("camel.main.routesReloadEnabled", "false");
        // the graceful drain happens before Camel stops (see shutdownGracefully); what is left after it is cut short
        main.addOverrideProperty("camel.main.shutdownTimeout", "5");
        main.addOverrideProperty("camel.server.enabled", "true");
        main.addOverrideProperty("camel.server.host", settings.host());
        main.addOverrideProperty("camel.server.port", String.valueOf(settings.port()));
        // HTTPS: the proxy port takes Camel's global SSL parameters, set from the certificate below (beforeConfigure)
        tls.ifPresent(certificate -> main.addOverrideProperty("camel.server.useGlobalSslContextParameters", "true"));

        main.bind("vertx", vertx);
        // the API port opens once every route has started, and a port that cannot be bound stops start-up (ApiHttpServer);
        // it gives clients limited time to send their requests and reads their framing strictly (GuardedHttpServer)
        main.bind("apiHttpServerFactory", new ApiHttpServerFactory(new ListenAddress(settings.host(), settings.port(),
                "CHAIN429_HOST", "CHAIN429_PORT"), settings.clientTimeouts()));
        // Requests start on their connection's event loop (see EventLoopHttpEngine), unless a step before the provider
        // call may block (Redis: a round trip per check) or the request threads are all taken (then they queue).
        main.bind("platform-http-engine", new EventLoopHttpEngine(settings.port(), () -> redis.isEmpty()
                && main.getCamelContext().getInflightRepository().size() < settings.maxConcurrentRequests()));
        Executor requestThreads = task -> vertx.executeBlocking(() -> {
            task.run();
            return null;
        }, false);
        ShutdownGate gate = new ShutdownGate();
        main.bind("shutdownGate", gate);
        main.bind("authenticate", new Authenticate(clients, config.settings().clientLimits()));
        main.bind("enforceClientLimits", redis.map(link -> new EnforceClientLimits(Clock.systemUTC(), new RedisClientCounts(link)))
                .orElseGet(() -> new EnforceClientLimits(Clock.systemUTC())));
        main.bind("parseChatRequest", new ParseChatRequest());
        main.bind("watchClient", new WatchClient());
        main.bind("resolveChain", new ResolveChain(chainRegistry, providers, adHoc));
        main.bind("startWaterfall", new StartWaterfall(chainRegistry, providers));
        main.bind("waterfallRouter", new WaterfallRouter(state, availability, breakers));
        main.bind("streamingReply", new StreamingReply());
        main.bind("skipUnavailableStep", new SkipUnavailableStep(state, breakers, availability));
        main.bind("callProvider", new CallProvider(state));
        main.bind("leaveEventLoop", new LeaveEventLoop(requestThreads));
        main.bind("classifyOutcome", new ClassifyOutcome(state));
        main.bind("classifyFailure", new ClassifyFailure());
        main.bind("recordOutcome", new RecordOutcome(state, config.settings(), breakers, keyProbe));
        main.bind("writeCompletion", new WriteCompletion(state, availability));
        main.bind("finishStream", new FinishStream(state, breakers, openStreams, requestThreads));
        main.bind("logRequest", new LogRequest(usage, settings.requestLog().console()));
        main.bind("countRequest", new CountRequest(metrics));
        main.bind("writeApiError", new WriteApiError());
        ServedModels servedModels = new ServedModels(chainRegistry, providers, state);
        main.bind("listModels", new ListModels(servedModels));
        main.bind("retrieveModel", new RetrieveModel(servedModels));
        main.bind("listRateLimits", new ListRateLimits(providers, state, breakers));
        main.bind("providerStateStore", state);

        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport support) {
                tls.ifPresent(certificate -> support.getCamelContext().setSSLContextParameters(certificate.sslContextParameters()));
                support.getCamelContext().getCamelContextExtension().getContextPlugin(Model.class)
                        .addModelLifecycleStrategy(new ChainRouteIds());
                // Hawtio's diagram and Source tab show each chain's own name and steps, not {{name}} and {{steps}}
                TemplatedRouteDumps.install(support.getCamelContext());
                support.getCamelContext().addLifecycleStrategy(new LifecycleStrategySupport() {
                    // once the routes and every service have started, whether Main runs or only starts (tests); in the
                    // background, so start-up waits for no provider
                    @Override
                    public void onContextStarted(CamelContext context) {
                        keyCheck.start();
                    }

                    // after the routes, the HTTP server and every service: nothing uses Vert.x any more
                    @Override
                    public void onContextStopped(CamelContext context) {
                        closeVertx(vertx);
                    }
                });
                try {
                    StateBackendMBean backendMBean = new StateBackendMBean(backendHealth, metrics);
                    runWith(support.getCamelContext(), backendMBean::start, backendMBean::close);
                    if (redis.isPresent()) {
                        runWith(support.getCamelContext(), () -> redis.get().start(), () -> redis.get().close());
                    } else {
                        support.getCamelContext().addService(stateFile); // writes the latest state when Camel stops
                    }
                    ListenAddress managementAddress = new ListenAddress(
                            settings.environment().getOrDefault("CHAIN429_MANAGEMENT_HOST", "127.0.0.1"), settings.managementPort(),
                            "CHAIN429_MANAGEMENT_HOST", "CHAIN429_MANAGEMENT_PORT");
                    ManagementServer management = new ManagementServer(managementAddress.host(), managementAddress.port(),
                            new GatewayHealth(gate, openStreams, providers, state, backendHealth, breakers,
                                    () -> new HealthSource.Persistence(redis.isPresent() ? null : stateFile.file().toString(),
                                            redis.isPresent() ? null : stateFile.problem().orElse(null), usage.log().dropped())), metrics,
                            ConsoleCredentials.fromEnvironment(settings.environment()));
                    support.getCamelContext().getRegistry().bind("managementServer", management);
                    // request log, /v1/stats and the Usage MBean; the log is written until Camel stops (after the routes)
                    support.getCamelContext().addService(usage.log());
                    management.serve(new StatsHandler(usage));
                    UsageMBean usageMBean = new UsageMBean(usage);
                    runWith(support.getCamelContext(), usageMBean::start, usageMBean::close);
                    metrics.gauge("chain429.open.streams", openStreams, OpenStreams::count);
                    runWith(support.getCamelContext(), providerMBeans::start, providerMBeans::close);
                    ChainsMBean chainsMBean = new ChainsMBean(chainRegistry, breakers);
                    runWith(support.getCamelContext(), chainsMBean::start, chainsMBean::close);
                    // opens with the API port, once every route has started (just before it, see ApiHttpServer): a port
                    // that cannot be bound then stops start-up with one line, where a failing service gets a stack trace
                    onceStarted(support.getCamelContext(), () -> managementAddress.open(management::start));
                    runWith(support.getCamelContext(), () -> { }, management::stop);
                    CamelContext camel = support.getCamelContext();
                    watch(camel, new LiveReload(settings.gatewayConfigFile(), settings.configDir().resolve("application.properties"),
                            settings.routesDir(), reloadValidator,
                            new ReloadApplier(providers, state, providerMBeans, chainRegistry, camel), served));
                    if (!config.settings().corsOrigins().isEmpty()) {
                        support.getCamelContext().addStartupListener((context, alreadyStarted) ->
                                CorsPolicy.install(context, settings.port(), config.settings().corsOrigins()));
                    }
                    runWith(support.getCamelContext(), () -> { }, keyProbe::close);
                    runWith(support.getCamelContext(), () -> { }, keyCheck::close);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void afterStart(BaseMainSupport support) {
                LOG.info("429chain serving {} chain(s) on {}://{}:{}/v1", chains.size(), tls.isPresent() ? "https" : "http",
                        settings.host(), settings.port());
            }
        });
        return new Gateway(main, gate, settings.shutdownGrace());
    }

    /** Something that starts and stops with Camel (in the order added; stopped in reverse). */
    private static void runWith(CamelContext camel, LifecycleStep start, LifecycleStep stop) throws Exception {
        camel.addService(new ServiceSupport() {
            @Override
            protected void doStart() throws Exception {
                start.run();
            }

            @Override
            protected void doStop() throws Exception {
                stop.run();
            }
        });
    }

    /** Something done once Camel has started every route, before start-up ends: a failure stops start-up (and Camel). */
    private static void onceStarted(CamelContext camel, LifecycleStep step) throws Exception {
        camel.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                // the routes' consumers have not started yet
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
                step.run();
            }
        });
    }

    @FunctionalInterface
    private interface LifecycleStep {
        void run() throws Exception;
    }

    private static void closeVertx(Vertx vertx) {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Vert.x did not close cleanly: {}", e.toString());
        }
    }

    /** Live reload: watches the config and routes folders until Camel stops. */
    private static void watch(CamelContext camel, LiveReload reload) {
        try {
            ChangeWatcher watcher = new ChangeWatcher(reload.folders(), reload::watches, reload::changed);
            runWith(camel, watcher::start, watcher::close);
            LOG.info("live reload: watching {} for changes", reload.folders());
        } catch (Exception e) {
            LOG.warn("live reload is off (edits apply on restart): cannot watch {}: {}", reload.folders(), e.toString());
        }
    }

    /** Clients from {@code 429chain.yaml}, plus one per key in {@code CHAIN429_API_KEYS} (comma-separated). */
    private static List<ClientConfig> clients(GatewayConfig config, RuntimeSettings settings) {
        List<ClientConfig> clients = new ArrayList<>(config.clients());
        String keys = settings.environment().getOrDefault("CHAIN429_API_KEYS", "");
        int n = 0;
        for (String key : keys.split(",")) {
            if (!key.isBlank()) {
                clients.add(new ClientConfig("key-" + ++n, Secret.of(key.trim()), ClientConfig.ClientLimits.NONE));
            }
        }
        LOG.info("{} client key(s) configured{}", clients.size(), clients.isEmpty() ? ": no authentication, loopback only" : "");
        return clients;
    }

    /** The proxy port's certificate, read and checked before anything starts: a mistake is a config error. */
    private static Optional<ServerCertificate> serverCertificate(RuntimeSettings settings) {
        Optional<ServerCertificate> certificate = settings.tls().map(ServerCertificate::load);
        certificate.ifPresent(served -> {
            LOG.info("HTTPS on the proxy port: certificate {}", served.describe());
            if (served.expiredAt(Instant.now())) {
                LOG.warn("*** the proxy port's certificate has expired: clients will refuse to connect. Renew it and restart ***");
            }
        });
        return certificate;
    }

    /**
     * Without client keys, anyone who can reach the port spends your quotas: only a loopback address is allowed then.
     * TLS does not change that (it encrypts, it does not authenticate clients), but it ends the plain-HTTP warning.
     */
    private static void guardExposure(RuntimeSettings settings, List<ClientConfig> clients, boolean tls) {
        boolean loopback;
        try {
            loopback = InetAddress.getByName(settings.host()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException("CHAIN429_HOST", 0, null, "unknown host '" + settings.host() + "'");
        }
        if (!loopback && clients.isEmpty()) {
            throw new ConfigException("CHAIN429_HOST", 0, null, "refusing to serve on " + settings.host()
                    + " without client keys: anyone reaching it could spend your provider quotas. Set CHAIN429_API_KEYS (or"
                    + " 'clients:' in 429chain.yaml), or keep CHAIN429_HOST=127.0.0.1");
        }
        if (!loopback && !tls) {
            LOG.warn("*** serving plain HTTP on {}: client keys and prompts cross the network unencrypted."
                    + " Set CHAIN429_TLS_CERT and CHAIN429_TLS_KEY, or put 429chain behind a TLS-terminating reverse proxy"
                    + " (see docker/) ***", settings.host());
        }
    }

    private static void reportProviders(GatewayConfig config) {
        for (ProviderConfig provider : config.providers()) {
            if (provider.enabled()) {
                LOG.info("provider {} ({}) enabled{}", provider.id(), provider.type(),
                        provider.apiKey().map(key -> ", key " + key.masked()).orElse(""));
            } else {
                LOG.warn("provider {} ({}) disabled: {}; its steps will be skipped", provider.id(), provider.type(),
                        provider.disabledReason().orElseThrow());
            }
        }
    }
}
