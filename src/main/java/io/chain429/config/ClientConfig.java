package io.chain429.config;

/**
 * A client allowed to use 429chain: its id (for logs and limits), its key, and its own limits over the defaults.
 * The key's {@link Secret#toString()} is masked, so printing a client never prints its key.
 */
public record ClientConfig(String id, Secret key, ClientLimits limits) {

    /**
     * Per-client rate limits; null fields are unlimited.
     *
     * @param rpm requests per minute
     * @param tpd tokens per UTC day (estimated before the request, settled from the provider's usage)
     */
    public record ClientLimits(Integer rpm, Integer tpd) {
        public static final ClientLimits NONE = new ClientLimits(null, null);

        /** These limits, each field falling back to {@code defaults} where unset. */
        public ClientLimits over(ClientLimits defaults) {
            return new ClientLimits(rpm != null ? rpm : defaults.rpm(), tpd != null ? tpd : defaults.tpd());
        }
    }
}
