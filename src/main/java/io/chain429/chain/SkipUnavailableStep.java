package io.chain429.chain;

import io.chain429.config.ProviderConfig;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.Cooldown;
import io.chain429.ratelimit.ProviderStateStore;
import io.chain429.ratelimit.QuotaKey;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Skips the current step without a request when its provider is disabled or its quota key is cooling down,
 * and tells the attempt route so through {@link #AVAILABLE}.
 */
public final class SkipUnavailableStep implements Processor {

    public static final String AVAILABLE = "chain429StepAvailable";

    private final ProviderRegistry providers;
    private final ProviderStateStore state;

    public SkipUnavailableStep(ProviderRegistry providers, ProviderStateStore state) {
        this.providers = providers;
        this.state = state;
    }

    @Override
    public void process(Exchange exchange) {
        Waterfall waterfall = exchange.getProperty(Waterfall.PROPERTY, Waterfall.class);
        Optional<Outcome.Skipped> skip = reasonToSkip(waterfall.currentStep());
        skip.ifPresent(skipped -> waterfall.record(skipped, false));
        exchange.setProperty(AVAILABLE, skip.isEmpty());
    }

    private Optional<Outcome.Skipped> reasonToSkip(Step step) {
        ProviderConfig provider = providers.get(step.providerId()).config();
        Optional<String> disabled = provider.disabledReason().or(() -> state.disabledReason(provider.id()));
        if (disabled.isPresent()) {
            return Optional.of(new Outcome.Skipped("disabled: " + disabled.get(), Optional.empty()));
        }
        // A step is out while its own quota key cools down, and also while the whole account does (402, or scope provider).
        Optional<Cooldown> cooldown = state.cooldown(QuotaKey.of(provider, step.model()))
                .or(() -> state.cooldown(new QuotaKey(provider.id(), "*")));
        return cooldown.map(c -> new Outcome.Skipped("cooling down until " + c.until() + " (" + c.reason() + ")", Optional.of(c.until())));
    }
}
