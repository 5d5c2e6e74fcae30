package io.chain429.core;

/**
 * Lets whoever waits for an upstream call abort it: when the client goes away, the call in flight is cancelled and
 * its connection released instead of running to its end for nobody.
 */
@FunctionalInterface
public interface CallGuard {

    CallGuard NONE = abort -> { };

    /** Registers how to abort the call now in flight, replacing the previous one; runs it at once if already aborted. */
    void onAbort(Runnable abort);
}
