package io.chain429.ops;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' HTTP server, apart from the proxy port: Jetty 12 on {@code CHAIN429_MANAGEMENT_PORT}, serving
 * <ul>
 *   <li>{@code GET /health}: JSON status, 200 when UP, 503 when DOWN ({@link HealthSource#accepting()} false);</li>
 *   <li>{@code GET /metrics}: the {@link PrometheusMeterRegistry} in Prometheus text format, JVM metrics bound;</li>
 *   <li>whatever handlers were added with {@link #serve} (e.g. {@code GET /v1/stats}, {@link StatsHandler});</li>
 *   <li>{@code /hawtio}: the Hawtio console (with its Jolokia at {@code /hawtio/jolokia}), only when console
 *       credentials are given; login required.</li>
 * </ul>
 */
public final class ManagementServer implements AutoCloseable {

    static final String CONSOLE_OFF =
            "console off: set " + ConsoleCredentials.USER_VARIABLE + " and " + ConsoleCredentials.PASSWORD_VARIABLE;

    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);

    private final String host;
    private final int port;
    private final HealthSource health;
    private final PrometheusMeterRegistry registry;
    private final Optional<ConsoleCredentials> console;
    private final Path consoleDir;
    private final List<Handler> extraHandlers = new ArrayList<>();

    private Server server;
    private HawtioConsole hawtio;
    private WebAppContext consoleContext;
    private JvmGcMetrics gcMetrics;

    /**
     * @param host       interface to bind, normally {@code CHAIN429_HOST} (default {@code 127.0.0.1})
     * @param port       {@code CHAIN429_MANAGEMENT_PORT}; 0 picks a free port (see {@link #port()})
     * @param console    the console account ({@link ConsoleCredentials#fromEnvironment()}); empty turns the console
     *                   off, {@code /health} and {@code /metrics} stay on
     * @param consoleDir the folder holding {@code hawtio.properties} and {@code hawtconfig.json} ({@code hawtio/})
     */
    public ManagementServer(String host, int port, HealthSource health, PrometheusMeterRegistry registry,
                            Optional<ConsoleCredentials> console, Path consoleDir) {
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.health = Objects.requireNonNull(health, "health");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.console = Objects.requireNonNull(console, "console");
        this.consoleDir = Objects.requireNonNull(consoleDir, "consoleDir");
    }

    /** Same, with the console configuration read from {@code hawtio/} in the working directory. */
    public ManagementServer(String host, int port, HealthSource health, PrometheusMeterRegistry registry,
                            Optional<ConsoleCredentials> console) {
        this(host, port, health, registry, console, Path.of("hawtio"));
    }

    /** Serves this handler too, next to {@code /health} and {@code /metrics}, with the same (no) login; before start. */
    public synchronized void serve(Handler handler) {
        extraHandlers.add(Objects.requireNonNull(handler, "handler"));
    }

    /** A registry for {@code /metrics}; the server binds the JVM metrics to it when it starts. */
    public static PrometheusMeterRegistry newRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /**
     * Binds the port and serves. A console that fails to deploy is logged and left off; {@code /health} and
     * {@code /metrics} are served regardless.
     *
     * @throws IllegalStateException when the server is already started or the port cannot be bound
     */
    public synchronized void start() {
        if (server != null) {
            throw new IllegalStateException("management server already started");
        }

        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("429chain-management");
        Server jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        jetty.addConnector(connector);

        ContextHandlerCollection contexts = new ContextHandlerCollection();
        List<Handler> handlers = new ArrayList<>(List.of(new OpsHandler(health, registry)));
        handlers.addAll(extraHandlers);
        contexts.addHandler(new ContextHandler(new Handler.Sequence(handlers), "/"));
        if (console.isEmpty()) {
            LOG.warn(CONSOLE_OFF);
        } else if (!HawtioConsole.warAvailable()) {
            LOG.warn("console off: {} is not on the classpath", HawtioConsole.WAR_RESOURCE);
        } else {
            try {
                hawtio = new HawtioConsole(console.get(), consoleDir);
                consoleContext = hawtio.prepare();
                contexts.addHandler(consoleContext);
            } catch (Exception e) {
                LOG.error("console off: Hawtio could not be prepared: {}", e.toString(), e);
                closeConsole();
            }
        }
        jetty.setHandler(contexts);
        jetty.setStopAtShutdown(false);
        try {
            jetty.start();
        } catch (Exception e) {
            try {
                jetty.stop();
            } catch (Exception ignored) {
                // already failing
            }
            closeConsole();
            throw new IllegalStateException("management server cannot listen on " + host + ":" + port + ": " + e, e);
        }
        server = jetty;
        bindJvmMetrics();
        if (consoleContext != null && (consoleContext.getUnavailableException() != null
                || !consoleContext.isAvailable())) {
            LOG.error("console failed to start: {}", String.valueOf(consoleContext.getUnavailableException()));
        } else if (hawtio != null) {
            hawtio.withdrawAllowAllAccessList();
        }
        LOG.info("management server on {} (/health, /metrics{})", uri(),
                consoleEnabled() ? ", console at " + HawtioConsole.CONTEXT_PATH + "/ as user " + console.get().user() : "");
    }

    /** Stops serving and removes the unpacked console; the registry is left open for its owner. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("management server did not stop cleanly: {}", e.toString());
        } finally {
            server = null;
            closeConsole();
            unbindJvmMetrics();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The bound port (the real one when constructed with 0); -1 when not started. */
    public synchronized int port() {
        if (server == null) {
            return -1;
        }
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** {@code http://host:port}, for logs and clients. */
    public synchronized URI uri() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port());
    }

    /** Whether {@code /hawtio} is deployed and available. */
    public synchronized boolean consoleEnabled() {
        return server != null && consoleContext != null && consoleContext.isAvailable();
    }

    private void closeConsole() {
        if (hawtio != null) {
            hawtio.close();
        }
        hawtio = null;
        consoleContext = null;
    }

    private void bindJvmMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
    }

    private void unbindJvmMetrics() {
        if (gcMetrics != null) {
            gcMetrics.close();
            gcMetrics = null;
        }
    }
}
