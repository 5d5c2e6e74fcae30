package io.chain429.config;

/**
 * A configuration mistake, located precisely enough for the user to fix it without guessing:
 * {@code config/429chain.yaml:14: providers[2].quotaScope: expected provider, model or group:<name>, got 'modle' (did you mean 'model'?)}.
 */
public class ConfigException extends RuntimeException {

    private final String file;
    private final int line;
    private final String field;

    public ConfigException(String file, int line, String field, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + (field == null || field.isEmpty() ? "" : field + ": ") + problem);
        this.file = file;
        this.line = line;
        this.field = field;
    }

    public String file() {
        return file;
    }

    /** 1-based line number, 0 when the problem concerns the whole file. */
    public int line() {
        return line;
    }

    public String field() {
        return field;
    }
}
