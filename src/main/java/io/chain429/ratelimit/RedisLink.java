package io.chain429.ratelimit;

import io.chain429.config.StateBackend;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's connection to Redis and what it knows of its health. Redis being away must never fail a client
 * request: every call either answers within {@link #COMMAND_TIMEOUT} or returns empty (the caller then decides on local
 * state), and while Redis is known to be down no call even tries. A watcher thread pings Redis, (re)connects, and runs
 * the resynchronisation hooks when it comes back.
 */
public final class RedisLink implements StateBackendHealth, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);
    /** The most a request waits on Redis before deciding on local state. */
    static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
    private static final long WATCH_MILLIS = 500;
    /** Every key and channel 429chain uses starts with it, so that it can share a Redis with other applications. */
    public static final String PREFIX = "429chain:";
    static final String CHANNEL = PREFIX + "events";

    private static final Duration MARKER_TTL = Duration.ofMinutes(1);

    private final String replica = java.util.UUID.randomUUID().toString().substring(0, 8);
    private final String marker = PREFIX + "replica:" + replica;
    private final List<Script> scripts = new CopyOnWriteArrayList<>();
    private final String address;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "429chain-redis-watch");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Consumer<RedisCommands<String, String>>> onConnected = new CopyOnWriteArrayList<>();
    private final List<Runnable> onTick = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicLong fallbacks = new AtomicLong();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile StatefulRedisPubSubConnection<String, String> pubSub;
    private volatile boolean up;
    private boolean warnedAtStart;
    private boolean everUp;
    private volatile String lastError = "";

    public RedisLink(StateBackend backend) {
        this.address = backend.describe();
        RedisURI uri = RedisURI.create(backend.redisUrl().orElseThrow().reveal());
        uri.setTimeout(Duration.ofSeconds(3)); // the connection handshake; commands have their own, shorter timeout
        // Redis coming back is noticed within 2 s (Lettuce's default backoff grows to 30 s); two I/O threads are plenty
        // for two connections
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // RESP2: Lettuce's RESP3 handshake timed out on a fresh JVM's first connection, and nothing here needs RESP3
                .protocolVersion(ProtocolVersion.RESP2)
                // queueing commands while disconnected would make requests wait for Redis: fail them at once instead
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
                .build());
    }

    /** Connects in the background (Redis may be down at start-up: then the replica starts on local state). */
    public void start() {
        watcher.scheduleWithFixedDelay(this::watch, 0, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A short random id for this replica, telling its own messages and permits from the others'. */
    public String replica() {
        return replica;
    }

    /** Loads the script into Redis on every (re)connection, so that sending it by digest works without waiting. */
    public Script script(String source) {
        Script script = Script.of(source);
        scripts.add(script);
        return script;
    }

    /**
     * Runs on the watcher thread each time Redis becomes reachable (the first time included, and after it restarted
     * empty), before requests use Redis again.
     */
    public void onConnected(Consumer<RedisCommands<String, String>> hook) {
        onConnected.add(hook);
    }

    /** Runs on the watcher thread every half second while Redis is reachable (e.g. renewing leases). */
    public void onTick(Runnable hook) {
        onTick.add(hook);
    }

    /** Every message published on the shared channel, this replica's own included. */
    public void subscribe(Consumer<String> subscriber) {
        subscribers.add(subscriber);
    }

    @Override
    public String type() {
        return "redis";
    }

    @Override
    public boolean up() {
        return up;
    }

    @Override
    public String address() {
        return address;
    }

    /** How many decisions and writes were made on this replica's state alone because Redis did not answer. */
    @Override
    public long fallbacks() {
        return fallbacks.get();
    }

    @Override
    public String lastError() {
        return lastError;
    }

    /**
     * Runs {@code call} now, on the request path; empty when Redis is down or did not answer in time (counted as a
     * fallback).
     */
    public <T> Optional<T> call(Function<RedisCommands<String, String>, T> call) {
        StatefulRedisConnection<String, String> current = connection;
        if (!up || current == null) {
            fallbacks.incrementAndGet();
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(call.apply(current.sync()));
        } catch (RuntimeException e) {
            fallbacks.incrementAndGet();
            lost(e);
            return Optional.empty();
        }
    }

    /**
     * Sends without waiting (writes nobody waits for); a failure only marks Redis as down. While Redis is away the
     * write stays in this replica's view (counted as a fallback) and reaches Redis with the resynchronisation.
     */
    public void send(Consumer<RedisAsyncCommands<String, String>> send) {
        StatefulRedisConnection<String, String> current = connection;
        if (!up || current == null) {
            fallbacks.incrementAndGet();
            return;
        }
        try {
            send.accept(current.async());
        } catch (RuntimeException e) {
            lost(e);
        }
    }

    /** Runs a Lua script by its digest, loading it on the first use (or after Redis restarted empty). */
    public static <T> T eval(RedisCommands<String, String> redis, Script script, ScriptOutputType type, String[] keys, String... args) {
        try {
            return redis.evalsha(script.sha(), type, keys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(script.source(), type, keys, args);
        }
    }

    /** A Lua script and its SHA-1 digest. */
    public record Script(String source, String sha) {
        public static Script of(String source) {
            try {
                byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(source.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return new Script(source, java.util.HexFormat.of().formatHex(digest));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private void watch() {
        try {
            if (connection == null) {
                // once connected, Lettuce reconnects (and resubscribes) by itself; only the first connection is ours
                StatefulRedisPubSubConnection<String, String> events = client.connectPubSub(StringCodec.UTF8);
                events.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        subscribers.forEach(subscriber -> subscriber.accept(message));
                    }
                });
                try {
                    events.sync().subscribe(CHANNEL);
                    connection = client.connect(StringCodec.UTF8);
                } catch (RuntimeException e) {
                    events.close();
                    throw e;
                }
                pubSub = events;
            }
            // This replica's marker doubles as the health check: when it is gone, Redis restarted empty (or this is
            // the first contact), and the scripts and state must be handed to it again.
            boolean known = connection.sync().setGet(marker, "1", SetArgs.Builder.px(MARKER_TTL.toMillis())) != null;
            if (!known) {
                scripts.forEach(script -> connection.sync().scriptLoad(script.source()));
            }
            if (!up || !known) {
                // resynchronise before serving from Redis again, so that nothing learnt meanwhile is lost
                RedisCommands<String, String> commands = connection.sync();
                onConnected.forEach(hook -> hook.accept(commands));
                LOG.info("shared state: Redis at {} is {}", address, everUp ? "reachable again, state resynchronised" : "reachable");
                everUp = true;
                up = true;
            }
            onTick.forEach(Runnable::run);
        } catch (RuntimeException e) {
            lost(e);
        }
    }

    private void lost(RuntimeException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        lastError = e.getClass().getSimpleName() + ": " + e.getMessage() + (root == e ? "" : " (" + root + ")");
        if (up) {
            up = false;
            LOG.warn("shared state: Redis at {} is unreachable ({}); serving on this replica's own state until it returns",
                    address, lastError);
        } else if (connection == null && !warnedAtStart) {
            warnedAtStart = true;
            LOG.warn("shared state: Redis at {} is not reachable yet ({}); serving on this replica's own state until it is",
                    address, lastError);
        }
    }

    @Override
    public void close() {
        watcher.shutdownNow();
        up = false;
        if (pubSub != null) {
            pubSub.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
