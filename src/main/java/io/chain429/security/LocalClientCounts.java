package io.chain429.security;

import io.chain429.config.ClientConfig.ClientLimits;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Each client's counts in this process: the only ones without Redis, and Redis' stand-in while it is away. */
final class LocalClientCounts implements ClientCounts {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final Map<String, Usage> usage = new ConcurrentHashMap<>();

    @Override
    public Admitted admit(String client, ClientLimits limits, long estimate, Instant now) {
        Usage counts = usage.computeIfAbsent(client, id -> new Usage());
        counts.admit(limits, estimate, now);
        return (used, at) -> counts.settle(estimate, used, at);
    }

    /** One client's counts. Synchronized: admission is a check-then-count that must not interleave. */
    private static final class Usage {
        private final ArrayDeque<Instant> minute = new ArrayDeque<>();
        private LocalDate day;
        private long tokensToday;

        synchronized void admit(ClientLimits limits, long estimate, Instant now) {
            while (!minute.isEmpty() && !minute.peekFirst().plus(MINUTE).isAfter(now)) {
                minute.removeFirst();
            }
            rollDay(now);
            if (limits.rpm() != null && minute.size() >= limits.rpm()) {
                throw ClientCounts.tooMany("requests per minute (" + limits.rpm() + ")", Duration.between(now, minute.peekFirst().plus(MINUTE)));
            }
            if (limits.tpd() != null && tokensToday + estimate > limits.tpd()) {
                throw ClientCounts.tooMany("tokens per day (" + limits.tpd() + ")",
                        Duration.between(now, day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()));
            }
            minute.addLast(now);
            tokensToday += estimate;
        }

        synchronized void settle(long estimate, long used, Instant now) {
            rollDay(now);
            tokensToday = Math.max(0, tokensToday - estimate + used);
        }

        private void rollDay(Instant now) {
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            if (!today.equals(day)) {
                day = today;
                tokensToday = 0;
            }
        }
    }
}
