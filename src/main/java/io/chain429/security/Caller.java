package io.chain429.security;

import io.chain429.config.ClientConfig.ClientLimits;

/** Who sent the request: a configured client, or {@code anonymous} when 429chain runs without client keys. */
public record Caller(String id, ClientLimits limits) {

    /** Exchange property holding the request's {@link Caller}. */
    public static final String PROPERTY = "chain429Caller";
}
