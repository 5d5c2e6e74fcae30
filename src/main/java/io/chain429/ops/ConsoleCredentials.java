package io.chain429.ops;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one operator account of the Hawtio console, from {@code CHAIN429_CONSOLE_USER} and
 * {@code CHAIN429_CONSOLE_PASSWORD}. Only a digest of the password is kept, and it is never written anywhere.
 */
public final class ConsoleCredentials {

    public static final String USER_VARIABLE = "CHAIN429_CONSOLE_USER";
    public static final String PASSWORD_VARIABLE = "CHAIN429_CONSOLE_PASSWORD";

    private final String user;
    private final byte[] userDigest;
    private final byte[] passwordDigest;

    private ConsoleCredentials(String user, char[] password) {
        this.user = user;
        this.userDigest = digest(CharBuffer.wrap(user));
        this.passwordDigest = digest(CharBuffer.wrap(password));
    }

    public static ConsoleCredentials of(String user, String password) {
        if (user == null || user.isBlank() || password == null || password.isEmpty()) {
            throw new IllegalArgumentException("a console user and password are both required");
        }
        return new ConsoleCredentials(user.trim(), password.toCharArray());
    }

    /** Both variables set and non-blank, else empty (the console stays off). */
    public static Optional<ConsoleCredentials> fromEnvironment(Map<String, String> env) {
        String user = env.get(USER_VARIABLE);
        String password = env.get(PASSWORD_VARIABLE);
        if (user == null || user.isBlank() || password == null || password.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(of(user, password));
    }

    public static Optional<ConsoleCredentials> fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public String user() {
        return user;
    }

    /** Constant-time comparison of both the user name and the password. */
    boolean matches(String candidateUser, char[] candidatePassword) {
        if (candidateUser == null || candidatePassword == null) {
            return false;
        }
        boolean userOk = MessageDigest.isEqual(userDigest, digest(CharBuffer.wrap(candidateUser.trim())));
        boolean passwordOk = MessageDigest.isEqual(passwordDigest, digest(CharBuffer.wrap(candidatePassword)));
        return userOk & passwordOk;
    }

    private static byte[] digest(CharBuffer chars) {
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(chars);
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        try {
            return MessageDigest.getInstance("SHA-256").digest(raw);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConsoleCredentials that && user.equals(that.user)
                && MessageDigest.isEqual(passwordDigest, that.passwordDigest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(user);
    }

    @Override
    public String toString() {
        return "ConsoleCredentials[user=" + user + ", password=****]";
    }
}
