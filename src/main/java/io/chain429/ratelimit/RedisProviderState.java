package io.chain429.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.config.ProviderConfig.Limits;
import io.chain429.core.Json;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provider state shared by several replicas through Redis. Reads never wait on Redis: they come from an
 * {@link EmbeddedProviderState} that is this replica's view, kept current by the other replicas' messages on a Redis
 * channel. Writes go to the view at once and to Redis without waiting (a cooldown with a TTL ending with it, atomically
 * keeping the later one). Admission makes one round trip when a limit must be counted across replicas (concurrency,
 * configured windows the provider does not report), and none otherwise. When Redis is unreachable the view is the
 * state, counted locally; when it returns, what this replica learnt meanwhile is written back and the view refreshed.
 */
public final class RedisProviderState implements ProviderState {

    private static final Logger LOG = LoggerFactory.getLogger(RedisProviderState.class);
    private static final String DISABLED = RedisLink.PREFIX + "disabled";
    private static final String COOLDOWN = RedisLink.PREFIX + "cooldown:";
    private static final String OBSERVED = RedisLink.PREFIX + "observed:";

    private final EmbeddedProviderState view;
    private final RedisLink redis;
    private final Duration lease;
    private final String replica;
    private final AtomicLong permits = new AtomicLong();
    private final Set<Reservation> held = ConcurrentHashMap.newKeySet();
    private final RedisLink.Script coolDownScript;
    private final RedisLink.Script admitScript;
    private final RedisLink.Script settleScript;
    private volatile long leasesRenewedAt;

    public RedisProviderState(EmbeddedProviderState view, RedisLink redis, Duration permitLease) {
        this.view = view;
        this.redis = redis;
        this.lease = permitLease;
        this.replica = redis.replica();
        this.coolDownScript = redis.script(SharedStateScripts.COOL_DOWN);
        this.admitScript = redis.script(SharedStateScripts.ADMIT);
        this.settleScript = redis.script(SharedStateScripts.SETTLE);
        redis.subscribe(this::apply);
        redis.onConnected(this::resynchronise);
        redis.onTick(this::renewLeases);
    }

    @Override
    public Instant now() {
        return view.now();
    }

    @Override
    public Optional<Cooldown> cooldown(QuotaKey key) {
        return view.cooldown(key);
    }

    @Override
    public Cooldown coolDown(QuotaKey key, Instant until, String reason) {
        Cooldown cooldown = view.coolDown(key, until, reason);
        redis.send(async -> async.evalsha(coolDownScript.sha(), ScriptOutputType.INTEGER,
                new String[] {COOLDOWN + key}, coolDownArgs(key, cooldown)));
        return cooldown;
    }

    @Override
    public void clearCooldown(QuotaKey key) {
        view.clearCooldown(key);
        redis.send(async -> {
            async.del(COOLDOWN + key);
            async.publish(RedisLink.CHANNEL, message("clear", key).toString());
        });
    }

    @Override
    public void disable(String providerId, String maskedKey, String reason) {
        view.disable(providerId, maskedKey, reason);
        ObjectNode disabled = Json.object().put("provider", providerId).put("maskedKey", maskedKey).put("reason", reason);
        redis.send(async -> {
            async.hset(DISABLED, providerId, disabled.toString());
            async.publish(RedisLink.CHANNEL, message("disable", null).setAll(disabled).toString());
        });
    }

    @Override
    public void enable(String providerId) {
        view.enable(providerId);
        redis.send(async -> {
            async.hdel(DISABLED, providerId);
            async.publish(RedisLink.CHANNEL, message("enable", null).put("provider", providerId).toString());
        });
    }

    @Override
    public Optional<String> disabledReason(String providerId) {
        return view.disabledReason(providerId);
    }

    /** Failures that cool nothing down stay per replica: they only feed this replica's health report. */
    @Override
    public void recordFailure(Step step, Reason reason) {
        view.recordFailure(step, reason);
    }

    /** This replica's view only: what Redis shares expires by itself. */
    @Override
    public void forget(QuotaKey key) {
        view.forget(key);
    }

    @Override
    public Optional<LastFailure> lastFailure(String providerId) {
        return view.lastFailure(providerId);
    }

    @Override
    public void observe(QuotaKey key, List<LimitObservation> observations) {
        view.observe(key, observations);
        if (observations.isEmpty()) {
            return;
        }
        // kept in Redis as long as the longest-lived of these figures holds
        long keepMillis = observations.stream().mapToLong(o -> KeyUsage.validUntil(o).toEpochMilli()).max().orElse(0) - now().toEpochMilli();
        if (keepMillis <= 0) {
            return;
        }
        ObjectNode message = message("observe", key);
        ArrayNode list = message.putArray("observations");
        observations.forEach(o -> list.add(toJson(o)));
        redis.send(async -> {
            Map<String, String> fields = new java.util.HashMap<>();
            observations.forEach(o -> fields.put(o.dimension().toString(), toJson(o).toString()));
            async.hset(OBSERVED + key, fields);
            async.pexpire(OBSERVED + key, keepMillis);
            async.publish(RedisLink.CHANNEL, message.toString());
        });
    }

    @Override
    public Admission admit(QuotaKey key, Limits limits, long estimatedTokens) {
        Optional<Refused> byProvider = view.refusedByProvider(key, estimatedTokens);
        if (byProvider.isPresent()) {
            return byProvider.get();
        }
        Limits counted = view.counted(key, limits);
        if (counted.concurrency() == null && counted.rpm() == null && counted.rpd() == null && counted.tpm() == null && counted.tpd() == null) {
            return view.admit(key, limits, estimatedTokens); // nothing to count across replicas: no round trip
        }
        String permit = replica + "-" + permits.incrementAndGet();
        Instant now = now();
        Optional<List<Object>> shared = redis.call(commands -> RedisLink.eval(commands, admitScript, ScriptOutputType.MULTI,
                windowKeys(key), String.valueOf(now.toEpochMilli()), String.valueOf(now.plus(lease).toEpochMilli()), permit,
                number(counted.concurrency()), number(counted.rpm()), number(counted.rpd()), number(counted.tpm()), number(counted.tpd()),
                String.valueOf(estimatedTokens)));
        if (shared.isEmpty()) {
            return view.admit(key, limits, estimatedTokens); // Redis away: this replica counts on its own
        }
        List<Object> answer = shared.get();
        if (!"ok".equals(answer.get(0))) {
            return refusal(answer, counted);
        }
        // the shared count said yes; the view still keeps its own books (in flight here, reservations deducted)
        Admission local = view.admit(key, onlyReported(limits), estimatedTokens);
        if (local instanceof Refused) {
            release(key, permit, 0);
            return local;
        }
        Reservation reservation = new Reservation(key, estimatedTokens, permit);
        held.add(reservation);
        return new Admitted(reservation);
    }

    @Override
    public void settle(Reservation reservation, long tokensUsed) {
        view.settle(reservation, tokensUsed);
        if (reservation.sharedPermit() != null && held.remove(reservation)) {
            long correction = tokensUsed < 0 ? 0 : tokensUsed - reservation.estimatedTokens();
            release(reservation.key(), reservation.sharedPermit(), correction);
        }
    }

    /** This replica's view: what it knows of everything shared, with its own requests in flight and day counts. */
    @Override
    public StateSnapshot snapshot() {
        return view.snapshot();
    }

    private void release(QuotaKey key, String permit, long correction) {
        String[] keys = windowKeys(key);
        redis.send(async -> async.evalsha(settleScript.sha(), ScriptOutputType.INTEGER,
                new String[] {keys[0], keys[3], keys[4]}, permit, String.valueOf(now().toEpochMilli()), String.valueOf(correction)));
    }

    private static Refused refusal(List<Object> answer, Limits counted) {
        String limit = (String) answer.get(0);
        long count = (Long) answer.get(1);
        long retryAt = (Long) answer.get(2);
        String reason = switch (limit) {
            case "concurrency" -> count + " requests in flight across replicas, the concurrency limit";
            case "rpm" -> "rpm " + counted.rpm() + " reached (counted across replicas)";
            case "rpd" -> "rpd " + counted.rpd() + " reached (counted across replicas)";
            case "tpm" -> "tpm " + counted.tpm() + " would be exceeded (counted across replicas)";
            default -> "tpd " + counted.tpd() + " would be exceeded (counted across replicas)";
        };
        Limit kind = switch (limit) {
            case "concurrency" -> Limit.CONCURRENCY;
            case "rpm", "rpd" -> Limit.REQUESTS;
            default -> Limit.TOKENS;
        };
        return new Refused(kind, reason, retryAt < 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(retryAt)));
    }

    /** The limits the view still checks itself once Redis admitted: none but the provider's own word. */
    private static Limits onlyReported(Limits limits) {
        return new Limits(null, null, null, null, null, limits.maxCompletionTokens());
    }

    private static String[] windowKeys(QuotaKey key) {
        String base = RedisLink.PREFIX + "usage:" + key + ":";
        return new String[] {base + "permits", base + "rpm", base + "rpd", base + "tpm", base + "tpd"};
    }

    private static String number(Integer limit) {
        return limit == null ? "0" : limit.toString();
    }

    /** Keeps this replica's permits alive while their requests run; a crashed replica stops renewing. */
    private void renewLeases() {
        long nowMillis = now().toEpochMilli();
        if (held.isEmpty() || nowMillis - leasesRenewedAt < lease.toMillis() / 3) {
            return;
        }
        leasesRenewedAt = nowMillis;
        String until = String.valueOf(nowMillis + lease.toMillis());
        redis.send(async -> held.forEach(reservation ->
                async.zadd(windowKeys(reservation.key())[0], io.lettuce.core.ZAddArgs.Builder.xx(), Double.parseDouble(until), reservation.sharedPermit())));
    }

    private String[] coolDownArgs(QuotaKey key, Cooldown cooldown) {
        ObjectNode value = Json.object().put("provider", key.providerId()).put("bucket", key.bucket())
                .put("untilMs", cooldown.until().toEpochMilli()).put("reason", cooldown.reason());
        ObjectNode message = message("cooldown", key).put("untilMs", cooldown.until().toEpochMilli()).put("reason", cooldown.reason());
        return new String[] {String.valueOf(cooldown.until().toEpochMilli()), String.valueOf(now().toEpochMilli()),
                value.toString(), RedisLink.CHANNEL, message.toString()};
    }

    /**
     * Back in touch with Redis: first hand it what this replica learnt alone (the later cooldown wins, disabled keys
     * are added), then take everything Redis knows into the view.
     */
    private void resynchronise(RedisCommands<String, String> commands) {
        view.cooldownsInForce().forEach((key, cooldown) ->
                RedisLink.eval(commands, coolDownScript, ScriptOutputType.INTEGER, new String[] {COOLDOWN + key}, coolDownArgs(key, cooldown)));
        view.snapshot().disabled().forEach(d -> commands.hset(DISABLED, d.providerId(),
                Json.object().put("provider", d.providerId()).put("maskedKey", d.maskedKey()).put("reason", d.reason()).toString()));
        for (String key : keys(commands, COOLDOWN + "*")) {
            Optional.ofNullable(commands.get(key)).map(RedisProviderState::parse).ifPresent(value ->
                    view.coolDown(new QuotaKey(value.path("provider").asText(), value.path("bucket").asText()),
                            Instant.ofEpochMilli(value.path("untilMs").asLong()), value.path("reason").asText()));
        }
        commands.hgetall(DISABLED).values().stream().map(RedisProviderState::parse).filter(Objects::nonNull).forEach(d ->
                view.disable(d.path("provider").asText(), d.path("maskedKey").asText(), d.path("reason").asText()));
        for (String key : keys(commands, OBSERVED + "*")) {
            String[] id = key.substring(OBSERVED.length()).split("/", 2);
            view.observe(new QuotaKey(id[0], id[1]), commands.hgetall(key).values().stream().map(RedisProviderState::parse)
                    .filter(Objects::nonNull).map(RedisProviderState::observation).toList());
        }
    }

    private static List<String> keys(RedisCommands<String, String> commands, String pattern) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = commands.scan(cursor, ScanArgs.Builder.matches(pattern).limit(500));
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    /** Another replica's news, applied to the view (not sent back to Redis: it is there already). */
    private void apply(String text) {
        JsonNode message = parse(text);
        if (message == null || replica.equals(message.path("from").asText())) {
            return;
        }
        QuotaKey key = new QuotaKey(message.path("provider").asText(), message.path("bucket").asText());
        switch (message.path("type").asText()) {
            case "cooldown" -> view.coolDown(key, Instant.ofEpochMilli(message.path("untilMs").asLong()), message.path("reason").asText());
            case "clear" -> view.clearCooldown(key);
            case "disable" -> view.disable(key.providerId(), message.path("maskedKey").asText(), message.path("reason").asText());
            case "enable" -> view.enable(key.providerId());
            case "observe" -> {
                List<LimitObservation> observations = new ArrayList<>();
                message.path("observations").forEach(o -> observations.add(observation(o)));
                view.observe(key, observations);
            }
            default -> LOG.debug("ignoring an unknown shared-state message type {}", message.path("type").asText());
        }
    }

    private ObjectNode message(String type, QuotaKey key) {
        ObjectNode message = Json.object().put("from", replica).put("type", type);
        if (key != null) {
            message.put("provider", key.providerId()).put("bucket", key.bucket());
        }
        return message;
    }

    private static ObjectNode toJson(LimitObservation o) {
        ObjectNode node = Json.object().put("unit", o.dimension().unit().name()).put("window", o.dimension().window().name())
                .put("observedAtMs", o.observedAt().toEpochMilli());
        o.limit().ifPresent(v -> node.put("limit", v));
        o.remaining().ifPresent(v -> node.put("remaining", v));
        o.resetAt().ifPresent(v -> node.put("resetAtMs", v.toEpochMilli()));
        return node;
    }

    private static LimitObservation observation(JsonNode o) {
        return new LimitObservation(
                new Dimension(Dimension.Unit.valueOf(o.path("unit").asText()), Dimension.Window.valueOf(o.path("window").asText())),
                o.has("limit") ? OptionalLong.of(o.get("limit").asLong()) : OptionalLong.empty(),
                o.has("remaining") ? OptionalLong.of(o.get("remaining").asLong()) : OptionalLong.empty(),
                o.has("resetAtMs") ? Optional.of(Instant.ofEpochMilli(o.get("resetAtMs").asLong())) : Optional.empty(),
                Instant.ofEpochMilli(o.path("observedAtMs").asLong()));
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            LOG.warn("ignoring an unreadable shared-state entry ({})", e.getClass().getSimpleName());
            return null;
        }
    }
}
