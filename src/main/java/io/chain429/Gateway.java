package io.chain429;

import io.chain429.api.OpenStreams;
import io.chain429.api.RequestThreads;
import io.chain429.api.ShutdownGate;
import io.chain429.config.RuntimeSettings;
import io.chain429.ops.ManagementServer;
import io.chain429.usage.RecentRequests;
import io.chain429.usage.RequestLogFile;
import io.chain429.usage.Usage;
import io.chain429.usage.UsageTotals;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles 429chain: validates the configuration, builds the shared provider state and the processors the YAML
 * routes refer to, and configures a Camel Main that loads those routes from the routes folder. {@link #create} lists
 * the steps; each is a class of its own.
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
        StartUpFiles files = StartUpFiles.load(settings);
        Vertx vertx = vertx(settings);
        PrometheusMeterRegistry metrics = ManagementServer.newRegistry();
        ProviderServices providers = ProviderServices.create(settings, files, vertx, metrics);
        ChainServices chains = ChainServices.create(files, providers);
        Usage usage = usage(settings);
        ShutdownGate gate = new ShutdownGate();
        OpenStreams openStreams = new OpenStreams();
        Main main = camelMain(settings, files);
        RouteBeans.bind(main, settings, vertx, files, providers, chains, gate, openStreams, usage, metrics);
        main.addMainListener(new CamelServices(settings, files, vertx, providers, chains, gate, openStreams, usage, metrics));
        return new Gateway(main, gate, settings.shutdownGrace());
    }

    /**
     * One Vert.x for everything: Camel's platform-http finds it in the registry (it then leaves closing it to us) and
     * serves clients on its event loops, and the provider clients do their I/O on the same loops. A request's route
     * runs on the loop (EventLoopHttpEngine, CallProvider) and moves to a Vert.x worker thread (virtual on Java 24+,
     * see RequestThreads) only where it may block: waits, a stream read whole written to a slow client, and requests
     * beyond CHAIN429_MAX_CONCURRENT_REQUESTS, which queue for this pool. A wait may outlast Vert.x's blocked-thread
     * warning.
     */
    private static Vertx vertx(RuntimeSettings settings) {
        Vertx vertx = Vertx.vertx(new VertxOptions()
                .setWorkerPoolSize(settings.maxConcurrentRequests())
                .setMaxWorkerExecuteTime(TimeUnit.HOURS.toNanos(1)));
        LOG.info("requests run on {} threads, at most {} at once", RequestThreads.virtual() ? "virtual" : "platform (virtual on Java 24+)",
                settings.maxConcurrentRequests());
        return vertx;
    }

    /** Each finished request: a line in {@code <dataDir>/requests.log}, the recent requests, the usage totals. */
    private static Usage usage(RuntimeSettings settings) {
        return new Usage(new RequestLogFile(settings.dataDir(), settings.requestLog()),
                new RecentRequests(RecentRequests.DEFAULT_CAPACITY), new UsageTotals(Clock.systemUTC()));
    }

    /** A Camel Main that loads the routes folder and serves the proxy port. */
    private static Main camelMain(RuntimeSettings settings, StartUpFiles files) {
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
        // HTTPS: the proxy port takes Camel's global SSL parameters, set from the certificate (CamelServices)
        files.tls().ifPresent(certificate -> main.addOverrideProperty("camel.server.useGlobalSslContextParameters", "true"));
        return main;
    }
}
