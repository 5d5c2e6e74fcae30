package io.chain429.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EmbeddedProviderStateTest {

    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");
    private static final QuotaKey GROQ_8B = new QuotaKey("groq", "llama-3.1-8b-instant");

    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private final EmbeddedProviderState store = new EmbeddedProviderState(new Clock() {
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        public Instant instant() {
            return now.get();
        }
    });

    @Test
    void aCooldownHoldsUntilItsInstantAndEndsByItselfAfterwards() {
        store.coolDown(GROQ_8B, T0.plusSeconds(30), "HTTP 429");

        now.set(T0.plusSeconds(29));
        assertThat(store.cooldown(GROQ_8B)).map(Cooldown::until).hasValue(T0.plusSeconds(30));
        now.set(T0.plusSeconds(30));
        assertThat(store.cooldown(GROQ_8B)).isEmpty();
    }

    @Test
    void aLaterHintExtendsACooldownButNeverShortensIt() {
        store.coolDown(GROQ_8B, T0.plusSeconds(60), "first 429");
        store.coolDown(GROQ_8B, T0.plusSeconds(10), "shorter hint");
        assertThat(store.cooldown(GROQ_8B)).map(Cooldown::until).hasValue(T0.plusSeconds(60));

        store.coolDown(GROQ_8B, T0.plus(Duration.ofMinutes(5)), "longer hint");
        assertThat(store.cooldown(GROQ_8B)).map(Cooldown::reason).hasValue("longer hint");
    }

    @Test
    void keysAreIndependent() {
        store.coolDown(GROQ_8B, T0.plusSeconds(60), "HTTP 429");
        assertThat(store.cooldown(new QuotaKey("groq", "llama-3.3-70b-versatile"))).isEmpty();
    }

    @Test
    void aDisabledProviderKeepsItsFirstReason() {
        store.disable("groq", "****abcd", "HTTP 401");
        store.disable("groq", "****abcd", "HTTP 403");
        assertThat(store.disabledReason("groq")).hasValue("HTTP 401");
        assertThat(store.disabledReason("cerebras")).isEmpty();
    }
}
