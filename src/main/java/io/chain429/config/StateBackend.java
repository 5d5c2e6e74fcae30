package io.chain429.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where provider state lives: in this process ({@code embedded}, persisted to the data folder) or in Redis, shared by
 * several replicas ({@code settings.state: redis} with {@code settings.redis.url}).
 *
 * @param redisUrl    {@code redis://} or {@code rediss://} (TLS), possibly with a password: kept as a {@link Secret}
 * @param permitLease how long a concurrency permit outlives the replica holding it: a replica renews its own permits,
 *                    so only a crashed replica's permits ever run out this way
 */
public record StateBackend(Kind kind, Optional<Secret> redisUrl, Duration permitLease) {

    public enum Kind { EMBEDDED, REDIS }

    public static final Duration DEFAULT_PERMIT_LEASE = Duration.ofSeconds(30);
    public static final StateBackend EMBEDDED = new StateBackend(Kind.EMBEDDED, Optional.empty(), DEFAULT_PERMIT_LEASE);

    /** The Redis address without its password, for logs and operators: {@code rediss://cache.internal:6380}. */
    public String describe() {
        return redisUrl.map(url -> {
            URI uri = URI.create(url.reveal());
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
        }).orElse("embedded");
    }
}
