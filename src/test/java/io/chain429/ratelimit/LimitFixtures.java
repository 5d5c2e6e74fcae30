package io.chain429.ratelimit;

import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Builders shared by the rate-limit observation tests. */
public final class LimitFixtures {

    private LimitFixtures() {
    }

    /** Response headers as recorded; {@code namesAndValues} alternate name, value. */
    public static HttpHeaders headers(String... namesAndValues) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put(namesAndValues[i], List.of(namesAndValues[i + 1]));
        }
        return HttpHeaders.of(map, (name, value) -> true);
    }

    /** The observation expected at {@code now}; a null part is unknown. */
    public static LimitObservation observed(Dimension dimension, Long limit, Long remaining, Instant resetAt, Instant now) {
        return new LimitObservation(dimension,
                limit == null ? OptionalLong.empty() : OptionalLong.of(limit),
                remaining == null ? OptionalLong.empty() : OptionalLong.of(remaining),
                Optional.ofNullable(resetAt), now);
    }
}
