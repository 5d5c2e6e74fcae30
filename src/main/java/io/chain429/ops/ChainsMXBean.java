package io.chain429.ops;

/**
 * The chains as the console shows them ({@code io.chain429:type=Chains}): each chain's steps in order with the state
 * of each step's circuit, read when asked. See {@link ChainsMBean}.
 */
public interface ChainsMXBean {

    /**
     * One JSON object per chain, in the order of the chain files: {@code {"name":"default","default":true,
     * "steps":[{"step":"groq/llama-3.1-8b-instant","state":"open","since":"…","until":"…","openedBy":{"http_503":5},
     * "failedAttempts":5,"attempts":6}, …]}}. A step never tried is {@code closed} with no times.
     */
    String[] getChains();

    /** The chain a request without a known model goes to; null when there is none. */
    String getDefaultChain();
}
