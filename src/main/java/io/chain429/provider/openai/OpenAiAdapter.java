package io.chain429.provider.openai;

import io.chain429.provider.OpenAiCompatibleAdapter;
import java.net.URI;

/** OpenAI itself: the reference the base adapter already implements. */
public final class OpenAiAdapter extends OpenAiCompatibleAdapter {

    public static final URI DEFAULT_BASE_URL = URI.create("https://api.openai.com/v1");

    public OpenAiAdapter() {
        super("openai", DEFAULT_BASE_URL);
    }
}
