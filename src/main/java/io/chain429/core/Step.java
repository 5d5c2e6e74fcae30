package io.chain429.core;

/** One step of a chain: a provider and one of its models. Model ids may themselves contain '/' and ':'. */
public record Step(String providerId, String model) {

    /** Splits {@code providerId/modelId} at the first '/'; null when the text is not of that form. */
    public static Step parseOrNull(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        if (slash <= 0 || slash == s.length() - 1) {
            return null;
        }
        return new Step(s.substring(0, slash), s.substring(slash + 1));
    }

    @Override
    public String toString() {
        return providerId + "/" + model;
    }
}
