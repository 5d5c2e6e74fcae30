package io.chain429.ratelimit;

import java.util.concurrent.atomic.AtomicBoolean;

/** One admitted request on a quota key, held until it is settled. Settling twice is harmless. */
public final class Reservation {

    private final QuotaKey key;
    private final long estimatedTokens;
    private final AtomicBoolean settled = new AtomicBoolean();

    Reservation(QuotaKey key, long estimatedTokens) {
        this.key = key;
        this.estimatedTokens = estimatedTokens;
    }

    public QuotaKey key() {
        return key;
    }

    public long estimatedTokens() {
        return estimatedTokens;
    }

    /** True the first time only. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }
}
