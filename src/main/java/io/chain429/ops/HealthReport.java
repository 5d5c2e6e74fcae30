package io.chain429.ops;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/** Builds the body of {@code GET /health} from a {@link HealthSource} and the JVM's own figures. */
final class HealthReport {

    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    private HealthReport() {
    }

    /** @param up whether the answer is 200 (UP) or 503 (DOWN) */
    record Result(boolean up, ObjectNode body) {
        int httpStatus() {
            return up ? 200 : 503;
        }
    }

    static Result of(HealthSource source) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        boolean up;
        HealthSource.ProviderCounts providers = null;
        Integer openStreams = null;
        String error = null;
        try {
            up = source.accepting();
            openStreams = source.openStreams();
            providers = source.providers();
        } catch (RuntimeException e) {
            up = false;
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        body.put("status", up ? "UP" : "DOWN");
        body.put("uptimeSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        ObjectNode heapNode = body.putObject("heap");
        heapNode.put("usedBytes", heap.getUsed());
        if (heap.getMax() >= 0) {
            heapNode.put("maxBytes", heap.getMax());
        } else {
            heapNode.putNull("maxBytes");
        }
        OptionalLong rss = rssBytes(PROC_STATUS);
        if (rss.isPresent()) {
            body.put("rssBytes", rss.getAsLong());
        } else {
            body.putNull("rssBytes");
        }
        if (openStreams != null) {
            body.put("openStreams", openStreams);
        } else {
            body.putNull("openStreams");
        }
        if (providers != null) {
            ObjectNode p = body.putObject("providers");
            p.put("enabled", providers.enabled());
            p.put("cooling", providers.cooling());
            p.put("disabled", providers.disabled());
            p.put("circuitOpen", providers.circuitOpen());
        } else {
            body.putNull("providers");
        }
        try {
            HealthSource.Persistence persistence = source.persistence();
            if (persistence.stateFile() != null) {
                body.putObject("state").put("file", persistence.stateFile()).put("writable", persistence.stateProblem() == null)
                        .put("problem", persistence.stateProblem());
            }
            body.putObject("requestLog").put("droppedLines", persistence.droppedLogLines());
        } catch (RuntimeException e) {
            body.putNull("state");
        }
        try {
            io.chain429.ratelimit.StateBackendHealth backend = source.stateBackend();
            body.putObject("stateBackend").put("type", backend.type()).put("up", backend.up());
        } catch (RuntimeException e) {
            body.putNull("stateBackend");
        }
        if (error != null) {
            body.put("error", error);
        }
        return new Result(up, body);
    }

    /** The resident set size from a {@code /proc/<pid>/status} file ({@code VmRSS: 123 kB}), if readable. */
    static OptionalLong rssBytes(Path procStatus) {
        try {
            if (!Files.isReadable(procStatus)) {
                return OptionalLong.empty();
            }
            return rssBytes(Files.readAllLines(procStatus, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong rssBytes(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                try {
                    long value = Long.parseLong(parts[0]);
                    String unit = parts.length > 1 ? parts[1] : "kB";
                    long factor = switch (unit.toLowerCase()) {
                        case "b" -> 1L;
                        case "kb" -> 1024L;
                        case "mb" -> 1024L * 1024;
                        case "gb" -> 1024L * 1024 * 1024;
                        default -> -1L;
                    };
                    return factor < 0 ? OptionalLong.empty() : OptionalLong.of(value * factor);
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }
}
