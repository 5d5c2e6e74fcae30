package io.chain429.security;

import io.chain429.config.ClientConfig.ClientLimits;
import io.chain429.core.ApiException;
import io.chain429.core.OpenAiError;
import java.time.Duration;
import java.time.Instant;

/** Where each client's requests and tokens are counted: in this process, or in Redis across replicas. */
public interface ClientCounts {

    /**
     * Counts one request and its estimated tokens when the client's limits allow it.
     *
     * @throws ApiException 429 with {@code Retry-After} when they do not
     */
    Admitted admit(String client, ClientLimits limits, long estimate, Instant now);

    /** An admitted request, to be settled once with the tokens it really used. */
    interface Admitted {
        void settle(long used, Instant now);
    }

    static ApiException tooMany(String limit, Duration wait) {
        int seconds = (int) Math.max(1, (wait.toMillis() + 999) / 1000);
        return new ApiException(429, new OpenAiError("You have used up your " + limit + " on this 429chain; retry in "
                + seconds + "s.", "rate_limit_error", null, "rate_limit_exceeded"), seconds);
    }
}
