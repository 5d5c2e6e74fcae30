package io.chain429.ops;

/**
 * One quota key as the console shows it ({@code io.chain429:type=QuotaKey,provider=<id>,bucket=<bucket>}): what one
 * provider limit is counted against. Every attribute is read from the live provider state when asked.
 * {@link QuotaKeyView} implements it, {@link ProviderMBeans} registers it.
 */
public interface QuotaKeyMXBean {

    String getProvider();

    /** {@code *} (the whole account), a model id, or {@code group:<name>}. */
    String getBucket();

    /** ISO-8601 instant the cooldown ends; null when the key is not cooling down. */
    String getCooldownUntil();

    /** Why the key is cooling down; null when it is not. */
    String getCooldownReason();

    /**
     * What the provider last reported, one line per dimension:
     * {@code tokens/minute remaining=0 of 6000 resets 2026-01-01T00:01:00Z}.
     */
    String[] getDimensions();

    int getInFlight();

    long getRequestsToday();

    long getTokensToday();

    /** Ends this key's cooldown now. */
    String resetCooldown();
}
