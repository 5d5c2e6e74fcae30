package io.chain429.e2e;

import java.util.List;

/**
 * Options for a JVM the tests or the benchmark start from this one's {@code java.home}, so that 429chain starts there
 * as quietly as in the container image (docker/run-java.sh does the same there).
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * Netty (under Vert.x and Lettuce) uses sun.misc.Unsafe's memory access, which Java 24 and later warn about on
     * stderr (4 lines) unless the JVM is told to allow it; Java 22 and older refuse the option that tells it.
     */
    public static List<String> quietUnsafeOptions() {
        return Runtime.version().feature() >= 23 ? List.of("--sun-misc-unsafe-memory-access=allow") : List.of();
    }
}
