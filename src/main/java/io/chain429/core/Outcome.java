package io.chain429.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Optional;

/**
 * How one attempt at one step ended, classified once by the step's provider adapter. The waterfall only
 * switches on the kind: an answer, the client's own error or the client leaving end it; every other kind moves on.
 */
public sealed interface Outcome {

    /** Why the attempt ended so: a code for filtering and counting, a client-safe line for people. */
    Reason reason();

    default boolean endsWaterfall() {
        return false;
    }

    /**
     * The provider did not serve a request it was sent: an error, a refusal, a timeout. Not the client's own error or
     * leaving, nor a context too small for this one request.
     */
    default boolean isProviderFailure() {
        return this instanceof Failed || this instanceof RateLimited || this instanceof PaymentRequired || this instanceof AuthFailed;
    }

    /** A valid chat completion, already normalized to OpenAI's schema. */
    record Success(ObjectNode completion) implements Outcome {
        public Reason reason() {
            return Reason.ANSWERED;
        }

        @Override
        public boolean endsWaterfall() {
            return true;
        }
    }

    /**
     * A stream that reached its commit point (its first content event, or its end in {@code complete} mode): it goes
     * to the client from here, and no other step will be tried.
     */
    record Streaming(io.chain429.core.LiveStream stream) implements Outcome {
        public Reason reason() {
            return Reason.ANSWERED;
        }

        @Override
        public boolean endsWaterfall() {
            return true;
        }
    }

    /** The client's own request is wrong: return it to the client instead of trying other steps. */
    record ClientError(int status, OpenAiError error) implements Outcome {
        public Reason reason() {
            return Reason.of(Reason.CLIENT_ERROR, "the provider found the request invalid (HTTP " + status + ")");
        }

        @Override
        public boolean endsWaterfall() {
            return true;
        }
    }

    /**
     * The client closed its connection while the attempt was in flight: nobody waits for an answer, and the attempt
     * says nothing about the step.
     */
    record ClientGone() implements Outcome {
        /** What the request log and metrics say of such a request, as nginx does: no client ever saw it. */
        public static final int STATUS = 499;

        public Reason reason() {
            return Reason.of(Reason.CLIENT_GONE, "the client closed the connection before it was answered");
        }

        @Override
        public boolean endsWaterfall() {
            return true;
        }
    }

    /** HTTP 429. {@code resetAt} is empty when the provider gave no hint (the default cooldown applies). */
    record RateLimited(Optional<Instant> resetAt) implements Outcome {
        public Reason reason() {
            return Reason.of(Reason.RATE_LIMITED, resetAt.map(at -> "rate limited (HTTP 429) until " + at)
                    .orElse("rate limited (HTTP 429) without a reset hint"));
        }
    }

    /** HTTP 402: no credit left, even on free models (OpenRouter with a negative balance). */
    record PaymentRequired() implements Outcome {
        public Reason reason() {
            return Reason.of(Reason.PAYMENT_REQUIRED, "payment required (HTTP 402): the account has no credit left");
        }
    }

    /** HTTP 401/403: the key is wrong or lacks access; the provider is disabled until its configuration changes. */
    record AuthFailed(int status) implements Outcome {
        public Reason reason() {
            return Reason.of(Reason.KEY_REJECTED, "the provider answered HTTP " + status + " to its API key");
        }
    }

    /**
     * Anything else that means "try the next step": 5xx, HTML pages, a 200 holding an error, a network failure, a
     * timeout. A timeout moves on at once; quicker failures may be retried on the same step, as the chain allows.
     */
    record Failed(Reason reason) implements Outcome {
        public Failed(String code, String detail) {
            this(Reason.of(code, detail));
        }

        public boolean worthRetrying() {
            return !reason.isTimeout();
        }
    }

    /**
     * The step cannot serve this particular request (its context is too small for it): next step, without holding it
     * against the step's health or cooling it down.
     */
    record Unsuitable(Reason reason) implements Outcome {
    }

    /** The step was not tried: its quota key is cooling down, its circuit is open, or the provider is disabled. */
    record Skipped(Reason reason, Optional<Instant> availableAt) implements Outcome {
    }
}
