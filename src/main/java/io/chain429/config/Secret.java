package io.chain429.config;

/**
 * A provider key. Its {@link #toString()} is masked so that it cannot end up in a log line, an error or a
 * JMX attribute by accident; only {@link #reveal()} gives the value, and only the HTTP call uses it.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    public String reveal() {
        return value;
    }

    /** The last 4 characters at most, so operators can tell keys apart. */
    public String masked() {
        return value.length() <= 8 ? "****" : "****" + value.substring(value.length() - 4);
    }

    /** Keys are compared to tell whether a provider's configuration changed on a live reload. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Secret secret && java.security.MessageDigest.isEqual(
                value.getBytes(java.nio.charset.StandardCharsets.UTF_8), secret.value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return masked();
    }
}
