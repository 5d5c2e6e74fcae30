package io.chain429.security;

import io.chain429.config.ClientConfig;
import io.chain429.config.ClientConfig.ClientLimits;
import io.chain429.core.ApiException;
import io.chain429.core.OpenAiError;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Lets in only 429chain's own clients: {@code Authorization: Bearer <key>} or {@code api-key: <key>}, compared in
 * constant time (digests of equal length, every key compared, no early exit), so response timing says nothing about
 * how close a guess was. Without configured client keys everyone is the anonymous caller; 429chain then serves on a
 * loopback address only.
 */
public final class Authenticate implements Processor {

    private final List<ClientConfig> clients;
    private final List<byte[]> digests;
    private final ClientLimits defaults;

    public Authenticate(List<ClientConfig> clients, ClientLimits defaults) {
        this.clients = List.copyOf(clients);
        this.digests = clients.stream().map(client -> digest(client.key().reveal())).toList();
        this.defaults = defaults;
    }

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        String given = presentedKey(message);
        // the client's key goes nowhere else: not upstream, not into logs, not back in the response
        message.removeHeader("Authorization");
        message.removeHeader("api-key");
        if (clients.isEmpty()) {
            exchange.setProperty(Caller.PROPERTY, new Caller("anonymous", defaults));
            return;
        }
        if (given == null || given.isEmpty()) {
            throw unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer <key>' (or an 'api-key' header).");
        }
        byte[] presented = digest(given);
        ClientConfig match = null;
        for (int i = 0; i < clients.size(); i++) {
            if (MessageDigest.isEqual(presented, digests.get(i))) {
                match = clients.get(i);
            }
        }
        if (match == null) {
            throw unauthorized("Incorrect API key provided.");
        }
        exchange.setProperty(Caller.PROPERTY, new Caller(match.id(), match.limits().over(defaults)));
    }

    private static String presentedKey(Message message) {
        String authorization = message.getHeader("Authorization", String.class);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        String apiKey = message.getHeader("api-key", String.class);
        return apiKey == null ? null : apiKey.trim();
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, new OpenAiError(message, "invalid_request_error", null, "invalid_api_key"));
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
