package io.chain429.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads another JVM's performance counters (what {@code jcmd <pid> PerfCounter.print} and {@code jstat} show) from
 * its shared-memory file {@code /tmp/hsperfdata_<user>/<pid>}, without attaching to it or disturbing it.
 */
final class PerfCounters {

    private static final int MAGIC = 0xcafec0c0;

    private final Path file;

    PerfCounters(long pid) {
        this.file = Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "hsperfdata_" + System.getProperty("user.name"), String.valueOf(pid));
    }

    /** The long-valued counters now; empty when the file cannot be read (e.g. -XX:-UsePerfData). */
    Map<String, Long> read() {
        Map<String, Long> counters = new HashMap<>();
        try {
            ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file));
            if (buffer.getInt(0) != MAGIC) {
                return counters;
            }
            buffer.order(buffer.get(4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            int entryOffset = buffer.getInt(24);
            int entries = buffer.getInt(28);
            int at = entryOffset;
            for (int i = 0; i < entries && at + 20 <= buffer.limit(); i++) {
                int length = buffer.getInt(at);
                int nameOffset = buffer.getInt(at + 4);
                int vectorLength = buffer.getInt(at + 8);
                byte type = buffer.get(at + 12);
                int dataOffset = buffer.getInt(at + 16);
                if (length <= 0) {
                    break;
                }
                if (type == 'J' && vectorLength == 0) {
                    int nameStart = at + nameOffset;
                    int nameEnd = nameStart;
                    while (nameEnd < at + length && buffer.get(nameEnd) != 0) {
                        nameEnd++;
                    }
                    byte[] name = new byte[nameEnd - nameStart];
                    buffer.get(nameStart, name);
                    counters.put(new String(name, StandardCharsets.US_ASCII), buffer.getLong(at + dataOffset));
                }
                at += length;
            }
        } catch (IOException | RuntimeException e) {
            counters.clear();
        }
        return counters;
    }

    /** Java heap in use and committed (young and old generations), in bytes: {used, committed}; -1s when unknown. */
    static long[] heap(Map<String, Long> counters) {
        long used = 0;
        long committed = 0;
        boolean found = false;
        for (int generation = 0; generation <= 1; generation++) {
            Long capacity = counters.get("sun.gc.generation." + generation + ".capacity");
            if (capacity != null) {
                committed += capacity;
                found = true;
            }
            for (int space = 0; space <= 2; space++) {
                Long spaceUsed = counters.get("sun.gc.generation." + generation + ".space." + space + ".used");
                if (spaceUsed != null) {
                    used += spaceUsed;
                }
            }
        }
        return found ? new long[] {used, committed} : new long[] {-1, -1};
    }

    /**
     * Time the JIT compilers spent compiling so far (standard and on-stack-replacement compilations, summed over the
     * compiler threads), in milliseconds; -1 when unknown. Compiling during a measurement means a warm-up too short.
     */
    static double jitMillis(Map<String, Long> counters) {
        long standard = get(counters, "sun.ci.standardTime");
        long osr = get(counters, "sun.ci.osrTime");
        long frequency = get(counters, "sun.os.hrt.frequency");
        return standard < 0 || osr < 0 || frequency <= 0 ? -1 : (standard + osr) * 1000.0 / frequency;
    }

    static long get(Map<String, Long> counters, String name) {
        return counters.getOrDefault(name, -1L);
    }
}
