package io.chain429.chain;

import io.chain429.core.CommitMode;
import java.time.Duration;

/**
 * How a chain spends its patience, from its template parameters. Those it leaves out take the {@code defaultValue}s
 * the {@code chain} template declares (routes/chain-template.camel.yaml, read by {@link ChainFiles}): the defaults are
 * written there only.
 *
 * @param commit     when a stream goes to the client (see {@link CommitMode})
 * @param retries    how often a step that failed (5xx, reset, timeout after the first byte) is tried again before
 *                   the next step; also how often a 429 that resets within {@code retryWait} is waited out
 * @param retryWait  the longest wait for a step's 429 to reset before retrying that step
 * @param maxWait    when every step is cooling down and the earliest reset is this close, hold the request until
 *                   then and run the chain again, instead of answering 429 (zero: never)
 * @param maxWaiting how many requests may wait so at once on this chain; more get their 429 at once
 */
public record ChainPolicy(CommitMode commit, int retries, Duration retryWait, Duration maxWait, int maxWaiting) {
}
