package io.chain429.bench;

import io.chain429.config.ProviderConfig.Limits;
import io.chain429.config.Secret;
import io.chain429.config.StateBackend;
import io.chain429.e2e.RedisServer;
import io.chain429.ratelimit.EmbeddedProviderState;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.RedisLink;
import io.chain429.ratelimit.RedisProviderState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * What sharing provider state through Redis costs a request, measured apart from the main benchmark: the time of one
 * admit + settle (what each attempt does) with the state embedded and with Redis on loopback (a redis-server started
 * here), for a key with a concurrency limit (one round trip to Redis) and for a key without counted limits (none).
 * Run by {@code mvn -B -Pbench verify} after the main benchmark, or on its own:
 * {@code java -cp <test classpath> io.chain429.bench.SharedStateCost} (needs {@code redis-server} on the PATH).
 */
public final class SharedStateCost {

    private static final Limits CONCURRENCY = new Limits(null, null, null, null, 4, null);

    private SharedStateCost() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = Integer.getInteger("bench.sharedStateIterations", 5_000);
        String report = measure(iterations);
        System.out.println(report);
        Path out = Path.of(System.getProperty("bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("shared-state.md"), report);
        System.out.println("written to " + out.resolve("shared-state.md"));
        System.exit(0);
    }

    /** A Markdown table: p50 and p99 of admit + settle per backend and kind of key, in milliseconds. */
    static String measure(int iterations) throws Exception {
        StringBuilder table = new StringBuilder("""
                ## Cost of shared provider state (admit + settle per attempt, %d iterations after %d to warm up)

                | state | key | p50 ms | p99 ms |
                |---|---|---|---|
                """.formatted(iterations, iterations / 4));
        EmbeddedProviderState embedded = new EmbeddedProviderState(Clock.systemUTC());
        row(table, "embedded", "concurrency limit", measure(embedded, CONCURRENCY, iterations));
        row(table, "embedded", "no counted limit", measure(embedded, Limits.NONE, iterations));
        try (RedisServer redis = RedisServer.start();
             RedisLink link = new RedisLink(new StateBackend(StateBackend.Kind.REDIS, Optional.of(Secret.of(redis.url())), Duration.ofSeconds(30)))) {
            RedisProviderState shared = new RedisProviderState(new EmbeddedProviderState(Clock.systemUTC()), link, Duration.ofSeconds(30));
            link.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!link.up()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Redis at " + redis.url() + " not reachable: " + link.lastError());
                }
                Thread.sleep(20);
            }
            row(table, "redis (loopback)", "concurrency limit: 1 round trip", measure(shared, CONCURRENCY, iterations));
            row(table, "redis (loopback)", "no counted limit: local view", measure(shared, Limits.NONE, iterations));
            if (link.fallbacks() > 0) {
                table.append("\n").append(link.fallbacks()).append(" decision(s) fell back to local state during the run.\n");
            }
        }
        return table.toString();
    }

    private static Samples measure(ProviderState state, Limits limits, int iterations) {
        QuotaKey key = new QuotaKey("bench", limits.concurrency() == null ? "free" : "limited");
        Samples samples = new Samples();
        for (int i = -iterations / 4; i < iterations; i++) {
            long started = System.nanoTime();
            if (state.cooldown(key).isEmpty()
                    && state.admit(key, limits, 100) instanceof ProviderState.Admitted admitted) {
                state.settle(admitted.reservation(), 100);
            } else {
                throw new IllegalStateException("refused: the measurement would not measure an admission");
            }
            if (i >= 0) {
                samples.add(System.nanoTime() - started);
            }
        }
        return samples;
    }

    private static void row(StringBuilder table, String state, String key, Samples samples) {
        table.append("| %s | %s | %.3f | %.3f |%n".formatted(state, key, samples.millis(0.5), samples.millis(0.99)));
    }
}
