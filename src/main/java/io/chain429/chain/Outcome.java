package io.chain429.chain;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.api.OpenAiError;
import java.time.Instant;
import java.util.Optional;

/**
 * How one attempt at one step ended, classified once by the step's provider adapter. The waterfall only
 * switches on the kind: {@link Success} and {@link ClientError} end it, every other kind moves on.
 */
public sealed interface Outcome {

    /** Short, client-safe description used in logs and in the final error's summary. Never an upstream body or URL. */
    String describe();

    default boolean endsWaterfall() {
        return false;
    }

    /** A valid chat completion, already normalized to OpenAI's schema. */
    record Success(ObjectNode completion) implements Outcome {
        public String describe() {
            return "ok";
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
    record Streaming(io.chain429.sse.LiveStream stream) implements Outcome {
        public String describe() {
            return "streaming";
        }

        @Override
        public boolean endsWaterfall() {
            return true;
        }
    }

    /** The client's own request is wrong: return it to the client instead of trying other steps. */
    record ClientError(int status, OpenAiError error) implements Outcome {
        public String describe() {
            return "rejected the request (HTTP " + status + ")";
        }

        @Override
        public boolean endsWaterfall() {
            return true;
        }
    }

    /** HTTP 429. {@code resetAt} is empty when the provider gave no hint (the default cooldown applies). */
    record RateLimited(Optional<Instant> resetAt) implements Outcome {
        public String describe() {
            return "rate limited (HTTP 429)";
        }
    }

    /** HTTP 402: no credit left, even on free models (OpenRouter with a negative balance). */
    record PaymentRequired() implements Outcome {
        public String describe() {
            return "payment required (HTTP 402)";
        }
    }

    /** HTTP 401/403: the key is wrong or lacks access; the provider is disabled until its configuration changes. */
    record AuthFailed(int status) implements Outcome {
        public String describe() {
            return "rejected the API key (HTTP " + status + ")";
        }
    }

    /**
     * Anything else that means "try the next step": 5xx, HTML pages, a 200 holding an error, a network failure, a
     * timeout.
     *
     * @param silent the provider sent nothing at all before a timeout: never worth retrying on the same step
     */
    record Failed(String reason, boolean silent) implements Outcome {
        public Failed(String reason) {
            this(reason, false);
        }

        public String describe() {
            return reason;
        }
    }

    /**
     * The step cannot serve this particular request (its context is too small for it): next step, without holding it
     * against the step's health or cooling it down.
     */
    record Unsuitable(String reason) implements Outcome {
        public String describe() {
            return reason;
        }
    }

    /** The step was not tried: its quota key is cooling down or the provider is disabled. */
    record Skipped(String reason, Optional<Instant> availableAt) implements Outcome {
        public String describe() {
            return reason;
        }
    }
}
