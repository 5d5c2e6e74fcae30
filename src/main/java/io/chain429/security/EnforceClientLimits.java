package io.chain429.security;

import io.chain429.api.ApiException;
import io.chain429.api.ChatRequest;
import io.chain429.api.OpenAiError;
import io.chain429.chain.Waterfall;
import io.chain429.config.ClientConfig.ClientLimits;
import io.chain429.ratelimit.TokenEstimate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Rations each client — requests per minute and tokens per UTC day — before any provider is touched, so one careless
 * client cannot drain every free tier. Over the limit: 429 with {@code Retry-After}. A request's tokens are estimated
 * up front and replaced by the provider's count when it answers.
 */
public final class EnforceClientLimits implements Processor {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final Clock clock;
    private final Map<String, Usage> usage = new ConcurrentHashMap<>();

    public EnforceClientLimits(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Caller caller = exchange.getProperty(Caller.PROPERTY, Caller.class);
        ClientLimits limits = caller.limits();
        if (limits.rpm() == null && limits.tpd() == null) {
            return;
        }
        long estimate = TokenEstimate.of(exchange.getProperty(ChatRequest.PROPERTY, ChatRequest.class).body());
        Usage client = usage.computeIfAbsent(caller.id(), id -> new Usage());
        client.admit(limits, estimate, clock.instant());
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                Waterfall waterfall = done.getProperty(Waterfall.PROPERTY, Waterfall.class);
                long used = waterfall == null ? 0 : waterfall.usage().map(u -> u.path("total_tokens").asLong(0)).orElse(0L);
                client.settle(estimate, used, clock.instant());
            }
        });
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
                throw tooMany("requests per minute (" + limits.rpm() + ")", Duration.between(now, minute.peekFirst().plus(MINUTE)));
            }
            if (limits.tpd() != null && tokensToday + estimate > limits.tpd()) {
                throw tooMany("tokens per day (" + limits.tpd() + ")",
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

        private static ApiException tooMany(String limit, Duration wait) {
            int seconds = (int) Math.max(1, (wait.toMillis() + 999) / 1000);
            return new ApiException(429, new OpenAiError("You have used up your " + limit + " on this 429chain; retry in "
                    + seconds + "s.", "rate_limit_error", null, "rate_limit_exceeded"), seconds);
        }
    }
}
