package io.chain429.core;

/**
 * An upstream error reduced to the fields 429chain reasons about. Built by the adapter from whatever shape the
 * provider used (OpenAI object, bare string, Gemini's array, an HTML page); never forwarded raw to a client.
 *
 * @param message the provider's message, trimmed to a safe length; may be empty
 */
public record ProviderError(String message, String type, String code, String param) {

    public static final ProviderError NONE = new ProviderError("", null, null, null);
}
