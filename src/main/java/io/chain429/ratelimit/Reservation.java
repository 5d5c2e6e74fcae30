package io.chain429.ratelimit;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One admitted request on a quota key, held until it is settled. Settling twice is harmless. With shared state it also
 * names the permit it holds in Redis, so that settling releases exactly that one.
 */
public final class Reservation {

    private final QuotaKey key;
    private final long estimatedTokens;
    private final String sharedPermit;
    private final AtomicBoolean settled = new AtomicBoolean();

    Reservation(QuotaKey key, long estimatedTokens) {
        this(key, estimatedTokens, null);
    }

    Reservation(QuotaKey key, long estimatedTokens, String sharedPermit) {
        this.key = key;
        this.estimatedTokens = estimatedTokens;
        this.sharedPermit = sharedPermit;
    }

    public QuotaKey key() {
        return key;
    }

    public long estimatedTokens() {
        return estimatedTokens;
    }

    /** The permit held in Redis; null when admitted by this process alone. */
    String sharedPermit() {
        return sharedPermit;
    }

    /** True the first time only. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }
}
