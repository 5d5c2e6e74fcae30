package io.chain429.security;

import io.chain429.chain.Waterfall;
import io.chain429.config.ClientConfig.ClientLimits;
import io.chain429.core.ChatRequest;
import io.chain429.ratelimit.TokenEstimate;
import java.time.Clock;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Rations each client — requests per minute and tokens per UTC day — before any provider is touched, so one careless
 * client cannot drain every free tier. Over the limit: 429 with {@code Retry-After}. A request's tokens are estimated
 * up front and replaced by the provider's count when it answers.
 */
public final class EnforceClientLimits implements Processor {

    private final Clock clock;
    private final ClientCounts counts;

    /** Counts in this process. */
    public EnforceClientLimits(Clock clock) {
        this(clock, new LocalClientCounts());
    }

    /** @param counts e.g. {@link RedisClientCounts}, shared by every replica ({@code settings.state: redis}) */
    public EnforceClientLimits(Clock clock, ClientCounts counts) {
        this.clock = clock;
        this.counts = counts;
    }

    @Override
    public void process(Exchange exchange) {
        Caller caller = exchange.getProperty(Caller.PROPERTY, Caller.class);
        ClientLimits limits = caller.limits();
        if (limits.rpm() == null && limits.tpd() == null) {
            return;
        }
        long estimate = TokenEstimate.of(exchange.getProperty(ChatRequest.PROPERTY, ChatRequest.class).body());
        ClientCounts.Admitted admitted = counts.admit(caller.id(), limits, estimate, clock.instant());
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                Waterfall waterfall = done.getProperty(Waterfall.PROPERTY, Waterfall.class);
                long used = waterfall == null ? 0 : waterfall.usage().map(u -> u.path("total_tokens").asLong(0)).orElse(0L);
                admitted.settle(used, clock.instant());
            }
        });
    }
}
