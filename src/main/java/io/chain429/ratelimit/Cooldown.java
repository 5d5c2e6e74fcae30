package io.chain429.ratelimit;

import java.time.Instant;

/** A quota key is not to be used before {@code until}; {@code reason} says why, for logs and operators. */
public record Cooldown(Instant until, String reason) {
}
