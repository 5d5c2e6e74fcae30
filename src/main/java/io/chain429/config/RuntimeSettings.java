package io.chain429.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where 429chain listens and where it finds its files. Each value comes from the environment variable of the
 * same name, else from {@code <configDir>/application.properties}, else the default.
 *
 * <p>Resolved here rather than through Camel's own property placeholders because Camel ignores every environment
 * variable ending in {@code _PORT} (it takes them for Kubernetes service links), which would silently drop
 * {@code CHAIN429_PORT}.
 *
 * @param maxConcurrentRequests requests in flight before new ones queue for a request thread; also the request threads
 *                              and each provider's connections
 * @param shutdownGrace         how long a graceful shutdown lets requests in flight (streams included) finish
 * @param tls                   the certificate and key the proxy port serves HTTPS with; empty: plain HTTP
 * @param environment the variables {@code ${env:NAME}} in the config files resolve against
 * @param requestLog  where the per-request log goes and how much of it is kept
 * @param clientTimeouts how long the API port waits for a client to send its request, or its next one
 */
public record RuntimeSettings(
        String host,
        int port,
        int managementPort,
        Path configDir,
        Path routesDir,
        Path dataDir,
        int maxConcurrentRequests,
        Duration shutdownGrace,
        Optional<TlsFiles> tls,
        Map<String, String> environment,
        RequestLog requestLog,
        ClientTimeouts clientTimeouts) {

    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})\\s*((?i:KB|MB|GB)?)");

    /**
     * The request log {@code <dataDir>/requests.log}: rotated when the next line would take it over
     * {@code maxFileBytes}, keeping {@code files} files in all (the live one included), so it never takes more than
     * about {@code maxFileBytes × files} of disk.
     *
     * @param console whether each line also goes to the console (logger {@code io.chain429.requests})
     */
    public record RequestLog(long maxFileBytes, int files, boolean console) {
        public static final RequestLog DEFAULT = new RequestLog(10L * 1024 * 1024, 5, false);
    }

    /**
     * How long the API port waits for a client's request: its headers (from the connection opening, or from the first
     * byte of a request on a kept-alive connection), then its whole body, and between one answer and the next request.
     * Only reading a request is bounded: once it has arrived, the provider call and the answer (a stream too) take as
     * long as they take.
     *
     * <p>Keep-alive defaults to 75 s, longer than the 60 s after which load balancers and reverse proxies in front
     * (nginx's upstream keepalive_timeout, AWS ALB, ...) drop their idle connections: the side in front closes first and
     * never sends a request into a connection 429chain is closing at that moment (which it would answer with a 502).
     */
    public record ClientTimeouts(Duration headers, Duration body, Duration keepAlive) {
        public static final ClientTimeouts DEFAULT = new ClientTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(75));
    }

    public static RuntimeSettings fromEnvironment() {
        return resolve(System.getenv());
    }

    public static RuntimeSettings resolve(Map<String, String> env) {
        Path configDir = Path.of(env.getOrDefault("CHAIN429_CONFIG_DIR", "config"));
        Properties file = loadProperties(configDir.resolve("application.properties"));
        Function<String, String> lookup = name -> {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                value = file.getProperty(name);
            }
            return value == null || value.isBlank() ? null : value.trim();
        };
        return new RuntimeSettings(
                orDefault(lookup.apply("CHAIN429_HOST"), "127.0.0.1"),
                port(lookup, "CHAIN429_PORT", 4290),
                port(lookup, "CHAIN429_MANAGEMENT_PORT", 4291),
                configDir,
                Path.of(orDefault(lookup.apply("CHAIN429_ROUTES_DIR"), "routes")),
                Path.of(orDefault(lookup.apply("CHAIN429_DATA_DIR"), "data")),
                positive(lookup, "CHAIN429_MAX_CONCURRENT_REQUESTS", 1024),
                duration(lookup, "CHAIN429_SHUTDOWN_GRACE", Duration.ofSeconds(30)),
                tls(lookup),
                Map.copyOf(env),
                new RequestLog(
                        bytes(lookup, "CHAIN429_REQUEST_LOG_MAX_SIZE", RequestLog.DEFAULT.maxFileBytes()),
                        positive(lookup, "CHAIN429_REQUEST_LOG_FILES", RequestLog.DEFAULT.files()),
                        bool(lookup, "CHAIN429_REQUEST_LOG_CONSOLE", RequestLog.DEFAULT.console())),
                new ClientTimeouts(
                        positiveDuration(lookup, "CHAIN429_HEADER_TIMEOUT", ClientTimeouts.DEFAULT.headers()),
                        positiveDuration(lookup, "CHAIN429_BODY_TIMEOUT", ClientTimeouts.DEFAULT.body()),
                        positiveDuration(lookup, "CHAIN429_KEEP_ALIVE_TIMEOUT", ClientTimeouts.DEFAULT.keepAlive())));
    }

    public Path gatewayConfigFile() {
        return configDir.resolve("429chain.yaml");
    }

    private static int port(Function<String, String> lookup, String name, int fallback) {
        String value = lookup.apply(name);
        if (value == null) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new ConfigException(name, 0, null, "expected a port number between 0 and 65535, got '" + value + "'");
        }
    }

    private static int positive(Function<String, String> lookup, String name, int fallback) {
        String value = lookup.apply(name);
        try {
            int number = value == null ? fallback : Integer.parseInt(value);
            if (number <= 0) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw new ConfigException(name, 0, null, "expected a positive whole number, got '" + value + "'");
        }
    }

    /** {@code 10MB}, {@code 512KB}, {@code 1GB} (powers of 1024) or a plain number of bytes. */
    private static long bytes(Function<String, String> lookup, String name, long fallback) {
        String value = lookup.apply(name);
        if (value == null) {
            return fallback;
        }
        Matcher size = SIZE.matcher(value);
        if (!size.matches()) {
            throw new ConfigException(name, 0, null, "expected a size like 10MB, 512KB or 1048576, got '" + value + "'");
        }
        int shift = switch (size.group(2).toUpperCase(Locale.ROOT)) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            default -> 0;
        };
        long number = Long.parseLong(size.group(1));
        if (number <= 0 || number > Long.MAX_VALUE >> shift) {
            throw new ConfigException(name, 0, null, "expected a size above 0, got '" + value + "'");
        }
        return number << shift;
    }

    private static boolean bool(Function<String, String> lookup, String name, boolean fallback) {
        String value = lookup.apply(name);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(name, 0, null, "expected true or false, got '" + value + "'");
        };
    }

    private static Duration duration(Function<String, String> lookup, String name, Duration fallback) {
        String value = lookup.apply(name);
        try {
            return value == null ? fallback : Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, 0, null, e.getMessage());
        }
    }

    private static Duration positiveDuration(Function<String, String> lookup, String name, Duration fallback) {
        Duration value = duration(lookup, name, fallback);
        if (value.isZero() || value.isNegative()) {
            throw new ConfigException(name, 0, null, "expected a duration above 0 like 500ms, 10s or 1m, got '" + lookup.apply(name) + "'");
        }
        return value;
    }

    /** A certificate without its key (or the reverse) is a half-done set-up, not a request for plain HTTP. */
    private static Optional<TlsFiles> tls(Function<String, String> lookup) {
        String certificate = lookup.apply(TlsFiles.CERT_SETTING);
        String key = lookup.apply(TlsFiles.KEY_SETTING);
        if (certificate == null && key == null) {
            return Optional.empty();
        }
        if (key == null || certificate == null) {
            String missing = key == null ? TlsFiles.KEY_SETTING : TlsFiles.CERT_SETTING;
            String given = key == null ? TlsFiles.CERT_SETTING + "=" + certificate : TlsFiles.KEY_SETTING + "=" + key;
            throw new ConfigException(missing, 0, null, "is not set but " + given + " is: HTTPS needs both the PEM"
                    + " certificate (" + TlsFiles.CERT_SETTING + ") and its private key (" + TlsFiles.KEY_SETTING
                    + "); set neither to serve plain HTTP");
        }
        return Optional.of(new TlsFiles(Path.of(certificate), Path.of(key)));
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static Properties loadProperties(Path file) {
        Properties properties = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new ConfigException(file.toString(), 0, null, "cannot be read: " + e.getMessage());
            }
        }
        return properties;
    }
}
