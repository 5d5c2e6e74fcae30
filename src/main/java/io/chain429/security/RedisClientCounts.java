package io.chain429.security;

import io.chain429.config.ClientConfig.ClientLimits;
import io.chain429.ratelimit.RedisLink;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each client's counts in Redis, shared by every replica: one atomic script per request (a client's 60 requests per
 * minute are 60 in all, whichever replica serves them). While Redis is away each replica counts on its own.
 */
public final class RedisClientCounts implements ClientCounts {

    /**
     * KEYS: the client's requests this minute (sorted by time), its tokens today (a counter expiring with the UTC day).
     * ARGV: now, request id, rpm (0 = none), tpd (0 = none), estimated tokens, ms until the day ends.
     * Returns {@code {"ok"}} or {@code {limit, retryAtMs}}.
     */
    private static final String ADMIT = """
            local now = tonumber(ARGV[1])
            local rpm, tpd, estimate = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
            if rpm > 0 then
              redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
              if redis.call('ZCARD', KEYS[1]) >= rpm then
                local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
                return {'rpm', tonumber(first[2]) + 60000}
              end
            end
            if tpd > 0 then
              local used = tonumber(redis.call('GET', KEYS[2]) or '0')
              if used + estimate > tpd then return {'tpd', now + tonumber(ARGV[6])} end
            end
            redis.call('ZADD', KEYS[1], now, ARGV[2])
            redis.call('PEXPIRE', KEYS[1], 60000)
            redis.call('INCRBY', KEYS[2], estimate)
            redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[6]))
            return {'ok'}
            """;

    private final RedisLink redis;
    private final RedisLink.Script admit;
    private final ClientCounts fallback = new LocalClientCounts();
    private final AtomicLong requests = new AtomicLong();

    public RedisClientCounts(RedisLink redis) {
        this.redis = redis;
        this.admit = redis.script(ADMIT);
    }

    @Override
    public Admitted admit(String client, ClientLimits limits, long estimate, Instant now) {
        String minuteKey = RedisLink.PREFIX + "client:" + client + ":rpm";
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        String tokensKey = RedisLink.PREFIX + "client:" + client + ":tokens:" + today;
        long untilTomorrow = Duration.between(now, today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()).toMillis();
        Optional<List<Object>> answer = redis.call(commands -> RedisLink.eval(commands, admit, ScriptOutputType.MULTI,
                new String[] {minuteKey, tokensKey}, String.valueOf(now.toEpochMilli()), redis.replica() + "-" + requests.incrementAndGet(),
                limits.rpm() == null ? "0" : limits.rpm().toString(), limits.tpd() == null ? "0" : limits.tpd().toString(),
                String.valueOf(estimate), String.valueOf(Math.max(1, untilTomorrow))));
        if (answer.isEmpty()) {
            return fallback.admit(client, limits, estimate, now);
        }
        List<Object> result = answer.get();
        if (!"ok".equals(result.get(0))) {
            Duration wait = Duration.between(now, Instant.ofEpochMilli((Long) result.get(1)));
            throw "rpm".equals(result.get(0))
                    ? ClientCounts.tooMany("requests per minute (" + limits.rpm() + ")", wait)
                    : ClientCounts.tooMany("tokens per day (" + limits.tpd() + ")", wait);
        }
        return (used, at) -> {
            if (used != estimate) {
                redis.send(async -> async.incrby(tokensKey, used - estimate));
            }
        };
    }
}
