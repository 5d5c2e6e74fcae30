package io.chain429.ops;

/**
 * One configured provider as the console shows it ({@code io.chain429:type=Provider,name=<id>}). Every attribute is
 * read from the live provider state when asked; nothing is copied. {@link ProviderView} implements it, {@link ProviderMBeans} registers it.
 */
public interface ProviderMXBean {

    String getId();

    /** The adapter type: {@code groq}, {@code openai-compatible}, ... */
    String getType();

    /**
     * {@code disabled}, else {@code cooling} (a quota key of it cools down), else {@code circuit open} (a step of it
     * has an open circuit), else {@code available}.
     */
    String getStatus();

    /** Why the provider is disabled (by its configuration, a rejected key or an operator); null when it is not. */
    String getDisabledReason();

    /** The configured key, masked to its last 4 characters at most; {@code none} without a key. */
    String getKeyMasked();

    /** What a 429 cools down: {@code provider}, {@code model} or {@code group:<name>}. */
    String getQuotaScope();

    /** The limits from {@code 429chain.yaml} ({@code rpm=30 tpd=500000}); {@code none} when none is set. */
    String getConfiguredLimits();

    /** The chain steps of this provider whose circuit breaker is open now ({@code provider/model}). */
    String[] getOpenCircuits();

    /** The buckets of this provider cooling down now. */
    String[] getCoolingBuckets();

    /** The circuits of {@link #getOpenCircuits()}: since and until when, and the failures that opened each. */
    String[] getCircuitDetails();

    /**
     * The latest failure of any kind at any of its steps ({@code groq/llama-3.1-8b-instant: http_503: server error
     * (HTTP 503)}); null when there was none.
     */
    String getLastError();

    /** The reason code of the latest failure ({@code connect_refused}, {@code http_503}, {@code rate_limited}, ...). */
    String getLastErrorReason();

    /** The latest failure in words. */
    String getLastErrorDetail();

    /** The step ({@code provider/model}) of the latest failure. */
    String getLastErrorStep();

    /** ISO-8601 instant of the latest failure; null when there was none. */
    String getLastErrorTime();

    /** Requests in flight, over all its quota keys. */
    int getInFlight();

    /** Requests admitted today (UTC), over all its quota keys. */
    long getRequestsToday();

    /** Tokens used today (UTC), over all its quota keys. */
    long getTokensToday();

    /** Ends every cooldown of the provider's quota keys now. */
    String resetCooldowns();

    /** Takes the provider out of every chain until {@link #enable()}; its steps are skipped. */
    String disable();

    /** Puts a disabled provider back into its chains (not one disabled by its configuration). */
    String enable();

    /** Closes every open circuit of the provider's steps: they are tried again at once. */
    String closeCircuits();

    /** Starts the background key probe of a disabled provider, when none is scheduled. */
    String probeNow();
}
