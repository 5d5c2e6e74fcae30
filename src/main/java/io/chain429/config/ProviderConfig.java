package io.chain429.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * One entry of {@code providers:} in {@code 429chain.yaml}, with {@code ${env:…}} already resolved.
 *
 * @param apiKey         empty when the provider needs no key (demo, a local server) or when its variable is unset
 * @param disabledReason present when the provider cannot be used as configured (e.g. its key variable is unset)
 * @param line           where the entry starts in its file, for later messages about it
 */
public record ProviderConfig(
        String id,
        String type,
        URI baseUrl,
        Optional<Secret> apiKey,
        QuotaScope quotaScope,
        Limits limits,
        Timeouts timeouts,
        Optional<String> disabledReason,
        int line) {

    public boolean enabled() {
        return disabledReason.isEmpty();
    }

    /** What a 429 cools down: the whole account, one model, or a named group of models. */
    public record QuotaScope(Kind kind, String group) {
        public enum Kind { PROVIDER, MODEL, GROUP }

        public static final QuotaScope PROVIDER = new QuotaScope(Kind.PROVIDER, null);
        public static final QuotaScope MODEL = new QuotaScope(Kind.MODEL, null);

        public static QuotaScope group(String name) {
            return new QuotaScope(Kind.GROUP, name);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case PROVIDER -> "provider";
                case MODEL -> "model";
                case GROUP -> "group:" + group;
            };
        }
    }

    /**
     * Optional configured limits; null fields are unknown. Used by the rate-limit layer.
     *
     * @param maxCompletionTokens the most output tokens a request may ask for, for providers that reserve them up
     *                            front (Cerebras); null means the adapter's own default
     */
    public record Limits(Integer rpm, Integer rpd, Integer tpm, Integer tpd, Integer concurrency,
                         Integer maxCompletionTokens) {
        public static final Limits NONE = new Limits(null, null, null, null, null, null);
    }

    /**
     * @param firstByte  until the response headers arrive
     * @param firstToken from the headers of a stream until its first content event; still before the commit point,
     *                   so exceeding it waterfalls to the next step
     * @param idle       between two events of a stream
     * @param total      the whole attempt
     */
    public record Timeouts(Duration connect, Duration firstByte, Duration firstToken, Duration idle, Duration total) {
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(300));
    }
}
