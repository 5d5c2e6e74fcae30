package io.chain429.ratelimit;

import io.chain429.config.ProviderConfig.Limits;
import io.chain429.ratelimit.ProviderState.Admission;
import io.chain429.ratelimit.ProviderState.Admitted;
import io.chain429.ratelimit.ProviderState.Limit;
import io.chain429.ratelimit.ProviderState.Refused;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The counts of one quota key: what its provider last reported per dimension (with this process's reservations
 * deducted since), the local rolling windows used where it reports nothing, in-flight requests and day totals.
 * Its size does not grow with traffic: the windows are fixed time buckets ({@link RollingWindow}), made only for the
 * limits that are configured, and nothing is kept of a request once it has ended. Every method is synchronized:
 * admission is a check-then-reserve that must not interleave.
 */
final class KeyUsage {

    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration DAY = Duration.ofDays(1);

    private final QuotaKey key;
    private final Map<Dimension, LimitObservation> observed = new java.util.HashMap<>();
    // null until a limit on them is configured: a key without limits counts nothing per window
    private RollingWindow minuteRequests;
    private RollingWindow dayRequests;
    private RollingWindow minuteTokens;
    private RollingWindow dayTokens;
    private int inFlight;
    private LocalDate day;
    private long requestsToday;
    private long tokensToday;

    KeyUsage(QuotaKey key) {
        this.key = key;
    }

    synchronized void observe(List<LimitObservation> observations) {
        observations.forEach(observation -> observed.put(observation.dimension(), observation));
    }

    synchronized Admission admit(Limits limits, long estimatedTokens, Instant now) {
        Optional<Refused> refusal = reportedRefusal(estimatedTokens, now)
                .or(() -> localRefusal(limits, estimatedTokens, now));
        if (refusal.isPresent()) {
            return refusal.get();
        }
        if (limits.concurrency() != null && inFlight >= limits.concurrency()) {
            return new Refused(Limit.CONCURRENCY, inFlight + " requests in flight, the concurrency limit", Optional.empty());
        }
        inFlight++;
        deductReserved(estimatedTokens);
        countWindows(limits);
        add(minuteRequests, now, 1);
        add(dayRequests, now, 1);
        add(minuteTokens, now, estimatedTokens);
        add(dayTokens, now, estimatedTokens);
        rollDay(now);
        requestsToday++;
        return new Admitted(new Reservation(key, estimatedTokens));
    }

    /** The provider's own word alone, without reserving anything: the check shared state makes before its round trip. */
    synchronized Optional<Refused> refusedByProvider(long estimatedTokens, Instant now) {
        return reportedRefusal(estimatedTokens, now);
    }

    /** The configured windows the provider does not report on, which must be counted (here or in Redis). */
    synchronized Limits counted(Limits limits, Instant now) {
        return new Limits(
                reports(Dimension.Unit.REQUESTS, Dimension.Window.MINUTE, now) ? null : limits.rpm(),
                reports(Dimension.Unit.REQUESTS, Dimension.Window.DAY, now) ? null : limits.rpd(),
                reports(Dimension.Unit.TOKENS, Dimension.Window.MINUTE, now) ? null : limits.tpm(),
                reports(Dimension.Unit.TOKENS, Dimension.Window.DAY, now) ? null : limits.tpd(),
                limits.concurrency(), limits.maxCompletionTokens());
    }

    /** Releases the permit and replaces the estimate by what was really used, when the provider said. */
    synchronized void settle(Reservation reservation, long tokensUsed, Instant now) {
        inFlight = Math.max(0, inFlight - 1);
        long correction = tokensUsed < 0 ? 0 : tokensUsed - reservation.estimatedTokens();
        if (correction != 0) {
            add(minuteTokens, now, correction);
            add(dayTokens, now, correction);
        }
        rollDay(now);
        tokensToday += tokensUsed < 0 ? reservation.estimatedTokens() : tokensUsed;
    }

    synchronized StateSnapshot.Key snapshot(Optional<Cooldown> cooldown, Instant now) {
        rollDay(now);
        List<LimitObservation> current = observed.values().stream().filter(o -> validAt(o, now)).toList();
        return new StateSnapshot.Key(key, cooldown, current, inFlight, day, requestsToday, tokensToday);
    }

    synchronized void restore(StateSnapshot.Key saved, Instant now) {
        saved.observed().stream().filter(o -> validAt(o, now)).forEach(o -> observed.put(o.dimension(), o));
        if (saved.day() != null && saved.day().equals(today(now))) {
            day = saved.day();
            requestsToday = saved.requestsToday();
            tokensToday = saved.tokensToday();
        }
    }

    /** The provider's own word, most trusted: a dimension used up until its reset, or too few tokens left. */
    private Optional<Refused> reportedRefusal(long estimatedTokens, Instant now) {
        for (LimitObservation o : observed.values()) {
            if (!validAt(o, now) || o.remaining().isEmpty()) {
                continue;
            }
            long remaining = o.remaining().getAsLong();
            boolean tokens = o.dimension().unit() == Dimension.Unit.TOKENS;
            if (remaining <= 0 || (tokens && remaining < estimatedTokens)) {
                String why = remaining <= 0
                        ? o.dimension() + " used up"
                        : o.dimension() + ": " + remaining + " left, this request needs about " + estimatedTokens;
                return Optional.of(new Refused(tokens ? Limit.TOKENS : Limit.REQUESTS, why + " (reported by the provider)", Optional.of(validUntil(o))));
            }
        }
        return Optional.empty();
    }

    /** The configured limits, counted here, for the dimensions the provider does not report. */
    private Optional<Refused> localRefusal(Limits limits, long estimatedTokens, Instant now) {
        countWindows(limits);
        if (limits.rpm() != null && !reports(Dimension.Unit.REQUESTS, Dimension.Window.MINUTE, now) && minuteRequests.sum(now) >= limits.rpm()) {
            return refuse(Limit.REQUESTS, "rpm " + limits.rpm() + " reached (counted locally)", minuteRequests, now);
        }
        if (limits.rpd() != null && !reports(Dimension.Unit.REQUESTS, Dimension.Window.DAY, now) && dayRequests.sum(now) >= limits.rpd()) {
            return refuse(Limit.REQUESTS, "rpd " + limits.rpd() + " reached (counted locally)", dayRequests, now);
        }
        if (limits.tpm() != null && !reports(Dimension.Unit.TOKENS, Dimension.Window.MINUTE, now)
                && minuteTokens.sum(now) + estimatedTokens > limits.tpm() && !minuteTokens.isEmpty(now)) {
            return refuse(Limit.TOKENS, "tpm " + limits.tpm() + " would be exceeded (counted locally)", minuteTokens, now);
        }
        if (limits.tpd() != null && !reports(Dimension.Unit.TOKENS, Dimension.Window.DAY, now)
                && dayTokens.sum(now) + estimatedTokens > limits.tpd() && !dayTokens.isEmpty(now)) {
            return refuse(Limit.TOKENS, "tpd " + limits.tpd() + " would be exceeded (counted locally)", dayTokens, now);
        }
        return Optional.empty();
    }

    /** Starts counting a window the first time a limit on it is configured. */
    private void countWindows(Limits limits) {
        if (limits.rpm() != null && minuteRequests == null) {
            minuteRequests = RollingWindow.minute();
        }
        if (limits.rpd() != null && dayRequests == null) {
            dayRequests = RollingWindow.day();
        }
        if (limits.tpm() != null && minuteTokens == null) {
            minuteTokens = RollingWindow.minute();
        }
        if (limits.tpd() != null && dayTokens == null) {
            dayTokens = RollingWindow.day();
        }
    }

    private static void add(RollingWindow window, Instant now, long amount) {
        if (window != null) {
            window.add(now, amount);
        }
    }

    private boolean reports(Dimension.Unit unit, Dimension.Window window, Instant now) {
        LimitObservation o = observed.get(new Dimension(unit, window));
        return o != null && validAt(o, now) && o.remaining().isPresent();
    }

    /** Until the provider says otherwise, each reservation uses up what it will probably use. */
    private void deductReserved(long estimatedTokens) {
        observed.replaceAll((dimension, o) -> {
            OptionalLong remaining = o.remaining();
            if (remaining.isEmpty()) {
                return o;
            }
            long used = dimension.unit() == Dimension.Unit.REQUESTS ? 1 : estimatedTokens;
            return new LimitObservation(dimension, o.limit(), OptionalLong.of(Math.max(0, remaining.getAsLong() - used)), o.resetAt(), o.observedAt());
        });
    }

    private void rollDay(Instant now) {
        LocalDate today = today(now);
        if (!today.equals(day)) {
            day = today;
            requestsToday = 0;
            tokensToday = 0;
        }
    }

    /** A provider's figure holds until its reset, or for one window when it gave no reset. */
    static Instant validUntil(LimitObservation o) {
        Duration window = switch (o.dimension().window()) {
            case MINUTE -> MINUTE;
            case HOUR -> Duration.ofHours(1);
            case DAY -> DAY;
            case MONTH -> Duration.ofDays(30);
        };
        return o.resetAt().orElse(o.observedAt().plus(window));
    }

    static boolean validAt(LimitObservation o, Instant now) {
        return validUntil(o).isAfter(now);
    }

    private static LocalDate today(Instant now) {
        return LocalDate.ofInstant(now, ZoneOffset.UTC);
    }

    private static Optional<Refused> refuse(Limit limit, String reason, RollingWindow window, Instant now) {
        return Optional.of(new Refused(limit, reason, window.oldestLeavesAt(now)));
    }
}
