package io.chain429.chain;

import io.chain429.config.ProviderConfig;
import io.chain429.core.Outcome;
import io.chain429.core.Reason;
import io.chain429.core.Step;
import io.chain429.provider.Provider;
import io.chain429.ratelimit.Cooldown;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import io.chain429.ratelimit.Reservation;
import io.chain429.ratelimit.StepBreakers;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Decides whether the current step gets a request: not when its provider is disabled, its quota key is cooling
 * down, its circuit is open after repeated failures, or the key's known limits (reported by the provider, else configured and counted locally, and its
 * concurrency) cannot take this request. Otherwise reserves the request on the key, to be settled when the attempt
 * ends. Tells the attempt route through {@link #AVAILABLE}.
 */
public final class SkipUnavailableStep implements Processor {

    public static final String AVAILABLE = "chain429StepAvailable";

    private final ProviderState state;
    private final StepBreakers breakers;
    private final Availability availability;

    public SkipUnavailableStep(ProviderState state, StepBreakers breakers, Availability availability) {
        this.state = state;
        this.breakers = breakers;
        this.availability = availability;
    }

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Step step = waterfall.currentStep();
        Optional<Provider> found = waterfall.findProvider(step);
        if (found.isEmpty()) {
            waterfall.record(new Outcome.Skipped(Reason.of(Reason.PROVIDER_REMOVED, "the provider was removed from the configuration"), Optional.empty()), false);
            exchange.setProperty(AVAILABLE, false);
            return;
        }
        ProviderConfig provider = found.get().config();
        Optional<Outcome.Skipped> skip = reasonToSkip(step, provider);
        // an open circuit's trial goes without the breaker's permission: the router chose it as the last resort
        if (skip.isEmpty() && !waterfall.isTrial() && !breakers.tryAcquire(step)) {
            skip = Optional.of(new Outcome.Skipped(Reason.of(Reason.CIRCUIT_OPEN, breakers.whyOpen(step)), Optional.empty()));
        }
        if (skip.isEmpty()) {
            ProviderState.Admission admission = state.admit(QuotaKey.of(provider, step.model()), provider.limits(), waterfall.estimatedTokens());
            if (admission instanceof ProviderState.Admitted admitted) {
                Reservation reservation = admitted.reservation();
                waterfall.hold(reservation);
                // whatever happens to the request, the permit comes back
                exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                    @Override
                    public void onDone(Exchange done) {
                        state.settle(reservation, waterfall.usage().map(u -> u.path("total_tokens").asLong(-1)).orElse(-1L));
                    }
                });
            } else {
                ProviderState.Refused refused = (ProviderState.Refused) admission;
                if (!waterfall.isTrial()) {
                    breakers.release(step);
                }
                skip = Optional.of(new Outcome.Skipped(Reason.of(code(refused.limit()), refused.reason()), refused.retryAt()));
            }
        }
        skip.ifPresent(skipped -> waterfall.record(skipped, false));
        exchange.setProperty(AVAILABLE, skip.isEmpty());
    }

    private Optional<Outcome.Skipped> reasonToSkip(Step step, ProviderConfig provider) {
        Optional<String> disabled = provider.disabledReason().or(() -> state.disabledReason(provider.id()));
        if (disabled.isPresent()) {
            return Optional.of(new Outcome.Skipped(Reason.of(Reason.DISABLED, "disabled: " + disabled.get()), Optional.empty()));
        }
        Optional<Cooldown> cooldown = availability.cooldown(provider, step);
        return cooldown.map(c -> new Outcome.Skipped(Reason.of(Reason.COOLING_DOWN, "cooling down until " + c.until() + " (" + c.reason() + ")"),
                Optional.of(c.until())));
    }

    private static String code(ProviderState.Limit limit) {
        return switch (limit) {
            case CONCURRENCY -> Reason.CONCURRENCY_FULL;
            case REQUESTS -> Reason.REQUESTS_EXHAUSTED;
            case TOKENS -> Reason.TOKENS_EXHAUSTED;
        };
    }
}
