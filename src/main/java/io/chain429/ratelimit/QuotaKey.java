package io.chain429.ratelimit;

import io.chain429.config.ProviderConfig;

/**
 * What one provider limit is counted against, chosen by the provider's {@code quotaScope}: the whole account
 * ({@code bucket = "*"}), one model, or a named group of models.
 */
public record QuotaKey(String providerId, String bucket) {

    public static QuotaKey of(ProviderConfig provider, String model) {
        return switch (provider.quotaScope().kind()) {
            case PROVIDER -> new QuotaKey(provider.id(), "*");
            case MODEL -> new QuotaKey(provider.id(), model);
            case GROUP -> new QuotaKey(provider.id(), "group:" + provider.quotaScope().group());
        };
    }

    @Override
    public String toString() {
        return providerId + "/" + bucket;
    }
}
