package io.chain429.core;

/** One step of one request's waterfall and how it ended. {@code sent} is false for steps skipped without a request. */
public record Attempt(Step step, Outcome outcome, boolean sent) {
}
