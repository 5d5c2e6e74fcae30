package io.chain429.chain;

import io.chain429.config.ProviderConfig;
import io.chain429.core.Attempt;
import io.chain429.core.Outcome;
import io.chain429.core.Step;
import io.chain429.ratelimit.Cooldown;
import io.chain429.ratelimit.ProviderState;
import io.chain429.ratelimit.QuotaKey;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

/** Whether a step is cooling down, and when a chain whose steps were all out could serve again. */
public final class Availability {

    private final ProviderState state;

    public Availability(ProviderState state) {
        this.state = state;
    }

    /** The earliest end of what kept the waterfall's steps out; empty when none ends by itself (failures, disabled keys). */
    public Optional<Instant> earliestReset(Waterfall waterfall) {
        Instant now = state.now();
        return Stream.concat(
                        waterfall.steps().stream()
                                .flatMap(step -> waterfall.findProvider(step).flatMap(p -> cooldown(p.config(), step)).stream())
                                .map(Cooldown::until),
                        waterfall.attempts().stream().map(Attempt::outcome)
                                .flatMap(o -> o instanceof Outcome.Skipped skipped ? skipped.availableAt().stream() : Stream.empty()))
                .filter(at -> at.isAfter(now))
                .min(Instant::compareTo);
    }

    /** A step is out while its own quota key cools down, and also while its whole account does. */
    public Optional<Cooldown> cooldown(ProviderConfig provider, Step step) {
        return state.cooldown(QuotaKey.of(provider, step.model())).or(() -> state.cooldown(new QuotaKey(provider.id(), "*")));
    }
}
