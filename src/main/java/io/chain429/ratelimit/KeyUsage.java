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
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The counts of one quota key: what its provider last reported per dimension (with this process's reservations
 * deducted since), the local rolling windows used where it reports nothing, in-flight requests and day totals.
 * Every method is synchronized: admission is a check-then-reserve that must not interleave.
 */
final class KeyUsage {

    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration DAY = Duration.ofDays(1);

    private final QuotaKey key;
    private final Map<Dimension, LimitObservation> observed = new java.util.HashMap<>();
    private final ArrayDeque<Instant> minuteRequests = new ArrayDeque<>();
    private final ArrayDeque<Instant> dayRequests = new ArrayDeque<>();
    private final ArrayDeque<Spent> minuteTokens = new ArrayDeque<>();
    private final ArrayDeque<Spent> dayTokens = new ArrayDeque<>();
    private int inFlight;
    private LocalDate day;
    private long requestsToday;
    private long tokensToday;

    private record Spent(Instant at, long tokens) {
    }

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
        minuteRequests.addLast(now);
        dayRequests.addLast(now);
        minuteTokens.addLast(new Spent(now, estimatedTokens));
        dayTokens.addLast(new Spent(now, estimatedTokens));
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
            minuteTokens.addLast(new Spent(now, correction));
            dayTokens.addLast(new Spent(now, correction));
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
        prune(now);
        if (limits.rpm() != null && !reports(Dimension.Unit.REQUESTS, Dimension.Window.MINUTE, now) && minuteRequests.size() >= limits.rpm()) {
            return refuse(Limit.REQUESTS, "rpm " + limits.rpm() + " reached (counted locally)", minuteRequests.peekFirst().plus(MINUTE));
        }
        if (limits.rpd() != null && !reports(Dimension.Unit.REQUESTS, Dimension.Window.DAY, now) && dayRequests.size() >= limits.rpd()) {
            return refuse(Limit.REQUESTS, "rpd " + limits.rpd() + " reached (counted locally)", dayRequests.peekFirst().plus(DAY));
        }
        if (limits.tpm() != null && !reports(Dimension.Unit.TOKENS, Dimension.Window.MINUTE, now)
                && sum(minuteTokens) + estimatedTokens > limits.tpm() && !minuteTokens.isEmpty()) {
            return refuse(Limit.TOKENS, "tpm " + limits.tpm() + " would be exceeded (counted locally)", minuteTokens.peekFirst().at().plus(MINUTE));
        }
        if (limits.tpd() != null && !reports(Dimension.Unit.TOKENS, Dimension.Window.DAY, now)
                && sum(dayTokens) + estimatedTokens > limits.tpd() && !dayTokens.isEmpty()) {
            return refuse(Limit.TOKENS, "tpd " + limits.tpd() + " would be exceeded (counted locally)", dayTokens.peekFirst().at().plus(DAY));
        }
        return Optional.empty();
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

    private void prune(Instant now) {
        while (!minuteRequests.isEmpty() && !minuteRequests.peekFirst().plus(MINUTE).isAfter(now)) {
            minuteRequests.removeFirst();
        }
        while (!dayRequests.isEmpty() && !dayRequests.peekFirst().plus(DAY).isAfter(now)) {
            dayRequests.removeFirst();
        }
        while (!minuteTokens.isEmpty() && !minuteTokens.peekFirst().at().plus(MINUTE).isAfter(now)) {
            minuteTokens.removeFirst();
        }
        while (!dayTokens.isEmpty() && !dayTokens.peekFirst().at().plus(DAY).isAfter(now)) {
            dayTokens.removeFirst();
        }
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

    private static long sum(ArrayDeque<Spent> spent) {
        long total = 0;
        for (Spent s : spent) {
            total += s.tokens();
        }
        return total;
    }

    private static Optional<Refused> refuse(Limit limit, String reason, Instant until) {
        return Optional.of(new Refused(limit, reason, Optional.of(until)));
    }
}
