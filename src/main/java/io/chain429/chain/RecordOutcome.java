package io.chain429.chain;

import io.chain429.config.GatewayConfig.Settings;
import io.chain429.config.ProviderConfig;
import io.chain429.config.Secret;
import io.chain429.core.Outcome;
import io.chain429.core.Step;
import io.chain429.provider.KeyProbe;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.StepBreakers;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Records what the current attempt's outcome means for every later request: its cooldowns, its step's health, the
 * provider's last failure, a disabled key, and its reservation. Turns it into provider state shared by all requests: a 429 cools its quota key down
 * until the provider's reset (or the default cooldown), a 402 cools the whole account down, a 401/403 disables
 * the provider; failures count against the step's circuit breaker, and every failure of the provider's is remembered
 * with its reason for operators. The attempt's reservation is settled here, unless its stream is still going to the
 * client.
 */
public final class RecordOutcome implements Processor {

    private final ProviderState state;
    private final Settings settings;
    private final StepBreakers breakers;
    private final KeyProbe keyProbe;

    public RecordOutcome(ProviderState state, Settings settings, StepBreakers breakers, KeyProbe keyProbe) {
        this.state = state;
        this.settings = settings;
        this.breakers = breakers;
        this.keyProbe = keyProbe;
    }

    /**
     * Failures count against the step's circuit; limits, keys, the client's own errors and its leaving say nothing of
     * its health.
     */
    private void recordHealth(Step step, Outcome outcome, boolean trial) {
        if (outcome instanceof Outcome.Failed failed) {
            breakers.failed(step, failed.reason());
        } else if (outcome instanceof Outcome.Success || outcome instanceof Outcome.Streaming) {
            breakers.succeeded(step);
        } else if (!trial) {
            breakers.release(step); // a trial took no permission
        }
    }

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Step step = waterfall.currentStep();
        ProviderConfig provider = waterfall.provider(step).config();
        Outcome outcome = waterfall.lastOutcome().orElseThrow();
        recordHealth(step, outcome, waterfall.isTrial());
        if (outcome.isProviderFailure()) {
            state.recordFailure(step, outcome.reason());
        }
        if (!(outcome instanceof Outcome.Streaming)) {
            long tokens = outcome instanceof Outcome.Success success ? success.completion().path("usage").path("total_tokens").asLong(-1) : 0;
            waterfall.held().ifPresent(reservation -> state.settle(reservation, tokens));
        }
        if (outcome instanceof Outcome.RateLimited limited) {
            state.coolDown(QuotaKey.of(provider, step.model()),
                    limited.resetAt().orElseGet(() -> state.now().plus(settings.cooldownDefault())),
                    limited.resetAt().isPresent() ? "HTTP 429" : "HTTP 429 without a reset hint: default cooldown");
        } else if (outcome instanceof Outcome.PaymentRequired) {
            state.coolDown(new QuotaKey(provider.id(), "*"), state.now().plus(settings.cooldownPaymentRequired()),
                    "HTTP 402: the account has no credit left");
        } else if (outcome instanceof Outcome.AuthFailed failed) {
            state.disable(provider.id(), provider.apiKey().map(Secret::masked).orElse(""), failed.reason().detail());
            keyProbe.disabled(provider.id());
        }
    }
}
