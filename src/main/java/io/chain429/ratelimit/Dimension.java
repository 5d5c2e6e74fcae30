package io.chain429.ratelimit;

import java.util.Locale;
import java.util.Objects;

/**
 * One rate-limit dimension: what is counted ({@link Unit}), over which window ({@link Window}). Providers limit
 * several at once, e.g. Groq's requests per day and tokens per minute; each {@link LimitObservation} names one.
 */
public record Dimension(Unit unit, Window window) {

    /** What a limit counts. */
    public enum Unit { REQUESTS, TOKENS }

    /** The window a limit is counted over. */
    public enum Window { MINUTE, HOUR, DAY, MONTH }

    public static final Dimension RPM = new Dimension(Unit.REQUESTS, Window.MINUTE);
    public static final Dimension RPH = new Dimension(Unit.REQUESTS, Window.HOUR);
    public static final Dimension RPD = new Dimension(Unit.REQUESTS, Window.DAY);
    public static final Dimension REQUESTS_PER_MONTH = new Dimension(Unit.REQUESTS, Window.MONTH);
    public static final Dimension TPM = new Dimension(Unit.TOKENS, Window.MINUTE);
    public static final Dimension TPH = new Dimension(Unit.TOKENS, Window.HOUR);
    public static final Dimension TPD = new Dimension(Unit.TOKENS, Window.DAY);
    public static final Dimension TOKENS_PER_MONTH = new Dimension(Unit.TOKENS, Window.MONTH);

    public Dimension {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(window, "window");
    }

    /** {@code requests/minute}, {@code tokens/month}, ... */
    @Override
    public String toString() {
        return unit.name().toLowerCase(Locale.ROOT) + "/" + window.name().toLowerCase(Locale.ROOT);
    }
}
