package io.chain429;

import io.chain429.api.ApiHttpServer;
import io.chain429.api.OpenStreams;
import io.chain429.api.ShutdownGate;
import io.chain429.chain.ChainRouteIds;
import io.chain429.config.ListenAddress;
import io.chain429.config.RuntimeSettings;
import io.chain429.ops.ChainsMBean;
import io.chain429.ops.ConsoleCredentials;
import io.chain429.ops.GatewayHealth;
import io.chain429.ops.HealthSource;
import io.chain429.ops.ManagementServer;
import io.chain429.ops.ProviderMBeans;
import io.chain429.ops.StateBackendMBean;
import io.chain429.ops.StatsHandler;
import io.chain429.ops.TemplatedRouteDumps;
import io.chain429.ops.UsageMBean;
import io.chain429.ratelimit.StateFile;
import io.chain429.reload.ChangeWatcher;
import io.chain429.reload.LiveConfig;
import io.chain429.reload.LiveReload;
import io.chain429.reload.ReloadApplier;
import io.chain429.reload.ReloadValidator;
import io.chain429.security.CorsPolicy;
import io.chain429.usage.Usage;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.Model;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up's last step, run by Camel Main before it configures the routes: what starts and stops with Camel. Services
 * start in the order added and stop in reverse: the state backend, the management server with the console's MBeans
 * and the request log, live reload, then the key probes and checks.
 */
final class CamelServices extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(CamelServices.class);

    private final RuntimeSettings settings;
    private final StartUpFiles files;
    private final Vertx vertx;
    private final ProviderServices providers;
    private final ChainServices chains;
    private final ShutdownGate gate;
    private final OpenStreams openStreams;
    private final Usage usage;
    private final PrometheusMeterRegistry metrics;
    private final ProviderMBeans providerMBeans;
    private final ReloadValidator reloadValidator;
    private final LiveConfig served;

    CamelServices(RuntimeSettings settings, StartUpFiles files, Vertx vertx, ProviderServices providers, ChainServices chains,
                  ShutdownGate gate, OpenStreams openStreams, Usage usage, PrometheusMeterRegistry metrics) {
        this.settings = settings;
        this.files = files;
        this.vertx = vertx;
        this.providers = providers;
        this.chains = chains;
        this.gate = gate;
        this.openStreams = openStreams;
        this.usage = usage;
        this.metrics = metrics;
        this.providerMBeans = new ProviderMBeans(providers.providers(), providers.state(), providers.keyProbe(), providers.breakers());
        this.reloadValidator = new ReloadValidator(settings.gatewayConfigFile(), settings.routesDir(), settings.environment(),
                files.adapters());
        this.served = reloadValidator.initial(files.config(), files.chains());
    }

    @Override
    public void beforeConfigure(BaseMainSupport support) {
        CamelContext camel = support.getCamelContext();
        files.tls().ifPresent(certificate -> camel.setSSLContextParameters(certificate.sslContextParameters()));
        camel.getCamelContextExtension().getContextPlugin(Model.class).addModelLifecycleStrategy(new ChainRouteIds());
        // Hawtio's diagram and Source tab show each chain's own name and steps, not {{name}} and {{steps}}
        TemplatedRouteDumps.install(camel);
        camel.addLifecycleStrategy(new LifecycleStrategySupport() {
            // once the routes and every service have started, whether Main runs or only starts (tests); in the
            // background, so start-up waits for no provider
            @Override
            public void onContextStarted(CamelContext context) {
                providers.keyCheck().start();
            }

            // after the routes, the HTTP server and every service: nothing uses Vert.x any more
            @Override
            public void onContextStopped(CamelContext context) {
                closeVertx();
            }
        });
        try {
            stateBackend(camel);
            management(camel);
            liveReload(camel);
            if (!files.config().settings().corsOrigins().isEmpty()) {
                camel.addStartupListener((context, alreadyStarted) ->
                        CorsPolicy.install(context, settings.port(), files.config().settings().corsOrigins()));
            }
            runWith(camel, () -> { }, providers.keyProbe()::close);
            runWith(camel, () -> { }, providers.keyCheck()::close);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void afterStart(BaseMainSupport support) {
        // the port in use: the system's pick when CHAIN429_PORT is 0
        ApiHttpServer api = support.getCamelContext().hasService(ApiHttpServer.class);
        LOG.info("429chain serving {} chain(s) on {}://{}:{}/v1", files.chains().all().size(), files.tls().isPresent() ? "https" : "http",
                settings.host(), api != null ? api.getPort() : settings.port());
    }

    /** Its MBean, and Redis's link or the state file (which writes the latest state when Camel stops). */
    private void stateBackend(CamelContext camel) throws Exception {
        StateBackendMBean backendMBean = new StateBackendMBean(providers.backendHealth(), metrics);
        runWith(camel, backendMBean::start, backendMBean::close);
        if (providers.redis().isPresent()) {
            runWith(camel, () -> providers.redis().get().start(), () -> providers.redis().get().close());
        } else {
            camel.addService(providers.stateFile());
        }
    }

    /** The management server (health, metrics, /v1/stats, the console), the request log and the console's MBeans. */
    private void management(CamelContext camel) throws Exception {
        ListenAddress managementAddress = new ListenAddress(
                settings.environment().getOrDefault("CHAIN429_MANAGEMENT_HOST", "127.0.0.1"), settings.managementPort(),
                "CHAIN429_MANAGEMENT_HOST", "CHAIN429_MANAGEMENT_PORT");
        boolean redis = providers.redis().isPresent();
        StateFile stateFile = providers.stateFile();
        ManagementServer management = new ManagementServer(managementAddress.host(), managementAddress.port(),
                new GatewayHealth(gate, openStreams, providers.providers(), providers.state(), providers.backendHealth(),
                        providers.breakers(), () -> new HealthSource.Persistence(redis ? null : stateFile.file().toString(),
                                redis ? null : stateFile.problem().orElse(null), usage.log().dropped())), metrics,
                ConsoleCredentials.fromEnvironment(settings.environment()));
        camel.getRegistry().bind("managementServer", management);
        // request log, /v1/stats and the Usage MBean; the log is written until Camel stops (after the routes)
        camel.addService(usage.log());
        management.serve(new StatsHandler(usage));
        UsageMBean usageMBean = new UsageMBean(usage);
        runWith(camel, usageMBean::start, usageMBean::close);
        metrics.gauge("chain429.open.streams", openStreams, OpenStreams::count);
        runWith(camel, providerMBeans::start, providerMBeans::close);
        ChainsMBean chainsMBean = new ChainsMBean(chains.registry(), providers.breakers());
        runWith(camel, chainsMBean::start, chainsMBean::close);
        // opens with the API port, once every route has started (just before it, see ApiHttpServer): a port
        // that cannot be bound then stops start-up with one line, where a failing service gets a stack trace
        onceStarted(camel, () -> managementAddress.open(management::start));
        runWith(camel, () -> { }, management::stop);
    }

    /** Watches the config and routes folders until Camel stops. */
    private void liveReload(CamelContext camel) {
        LiveReload reload = new LiveReload(settings.gatewayConfigFile(), settings.configDir().resolve("application.properties"),
                settings.routesDir(), reloadValidator,
                new ReloadApplier(providers.providers(), providers.state(), providerMBeans, chains.registry(), camel), served);
        try {
            ChangeWatcher watcher = new ChangeWatcher(reload.folders(), reload::watches, reload::changed);
            runWith(camel, watcher::start, watcher::close);
            LOG.info("live reload: watching {} for changes", reload.folders());
        } catch (Exception e) {
            LOG.warn("live reload is off (edits apply on restart): cannot watch {}: {}", reload.folders(), e.toString());
        }
    }

    private void closeVertx() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Vert.x did not close cleanly: {}", e.toString());
        }
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
}
