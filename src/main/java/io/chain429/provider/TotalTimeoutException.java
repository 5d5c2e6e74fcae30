package io.chain429.provider;

import java.io.IOException;

/** The provider began to answer but did not finish within the call's total timeout. */
public final class TotalTimeoutException extends IOException {

    public TotalTimeoutException(long totalMillis) {
        super("no complete answer within " + totalMillis + " ms");
    }
}
