package io.chain429.ratelimit;

/**
 * The Lua scripts (registered with {@link RedisLink#script}) that make shared-state updates atomic in Redis: each runs as one indivisible step, so two replicas
 * admitting at once cannot both take the last permit, and a shorter cooldown never overwrites a longer one.
 */
final class SharedStateScripts {

    private SharedStateScripts() {
    }

    /**
     * KEYS[1] the cooldown key; ARGV until (epoch ms), now (epoch ms), the value, the channel, the message. Sets the
     * cooldown with a TTL ending at {@code until} unless a later one is in force, and tells the other replicas.
     */
    static final String COOL_DOWN = """
            local untilMs = tonumber(ARGV[1])
            local ttl = untilMs - tonumber(ARGV[2])
            if ttl <= 0 then return 0 end
            local current = redis.call('GET', KEYS[1])
            if current and tonumber(cjson.decode(current)['untilMs']) >= untilMs then return 0 end
            redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl)
            redis.call('PUBLISH', ARGV[4], ARGV[5])
            return 1
            """;

    /**
     * KEYS: permits (sorted by lease end), requests this minute, requests today, tokens this minute, tokens today.
     * ARGV: now, lease end, permit id, concurrency, rpm, rpd, tpm, tpd (0 = not counted), estimated tokens.
     * Returns {@code {"ok"}} with the permit taken and the request counted, or {@code {limit, count, retryAtMs}}.
     * Window entries are the permit id (requests) or {@code id:tokens} (tokens), scored by time; leases that ran out
     * are dropped first, which is how a crashed replica's permits come back.
     */
    static final String ADMIT = """
            local now = tonumber(ARGV[1])
            local estimate = tonumber(ARGV[9])
            local MINUTE, DAY = 60000, 86400000
            local function requests(key, limit, span, label)
              if limit <= 0 then return nil end
              redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
              local n = redis.call('ZCARD', key)
              if n >= limit then
                local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
                return {label, n, tonumber(first[2]) + span}
              end
              return nil
            end
            local function tokens(key, limit, span, label)
              if limit <= 0 then return nil end
              redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
              local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
              if #entries == 0 then return nil end
              local sum = 0
              for i = 1, #entries, 2 do sum = sum + tonumber(string.match(entries[i], ':(-?%d+)$')) end
              if sum + estimate > limit then return {label, sum, tonumber(entries[2]) + span} end
              return nil
            end
            local concurrency = tonumber(ARGV[4])
            if concurrency > 0 then
              redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
              local held = redis.call('ZCARD', KEYS[1])
              if held >= concurrency then return {'concurrency', held, -1} end
            end
            local refusal = requests(KEYS[2], tonumber(ARGV[5]), MINUTE, 'rpm')
              or requests(KEYS[3], tonumber(ARGV[6]), DAY, 'rpd')
              or tokens(KEYS[4], tonumber(ARGV[7]), MINUTE, 'tpm')
              or tokens(KEYS[5], tonumber(ARGV[8]), DAY, 'tpd')
            if refusal then return refusal end
            local permit = ARGV[3]
            if concurrency > 0 then redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), permit) end
            if tonumber(ARGV[5]) > 0 then redis.call('ZADD', KEYS[2], now, permit); redis.call('PEXPIRE', KEYS[2], MINUTE) end
            if tonumber(ARGV[6]) > 0 then redis.call('ZADD', KEYS[3], now, permit); redis.call('PEXPIRE', KEYS[3], DAY) end
            if tonumber(ARGV[7]) > 0 then redis.call('ZADD', KEYS[4], now, permit .. ':' .. estimate); redis.call('PEXPIRE', KEYS[4], MINUTE) end
            if tonumber(ARGV[8]) > 0 then redis.call('ZADD', KEYS[5], now, permit .. ':' .. estimate); redis.call('PEXPIRE', KEYS[5], DAY) end
            return {'ok'}
            """;

    /**
     * KEYS: permits, tokens this minute, tokens today. ARGV: permit id, now, correction (tokens used − estimate).
     * Releases the permit and corrects the token windows that are counted (those whose key exists).
     */
    static final String SETTLE = """
            redis.call('ZREM', KEYS[1], ARGV[1])
            local correction = tonumber(ARGV[3])
            if correction ~= 0 then
              for i = 2, 3 do
                if redis.call('EXISTS', KEYS[i]) == 1 then
                  redis.call('ZADD', KEYS[i], tonumber(ARGV[2]), ARGV[1] .. ':c:' .. correction)
                end
              end
            end
            return 1
            """;
}
