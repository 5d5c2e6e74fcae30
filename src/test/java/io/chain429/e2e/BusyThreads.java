package io.chain429.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Counts the threads, other than the caller, that are inside 429chain's own code (test code aside): after every client
 * left, a thread still there is work nobody will read. On Java 24+ requests run on virtual threads, which
 * {@link Thread#getAllStackTraces()} does not list; the JDK's JSON thread dump (Java 21+) lists them too.
 */
final class BusyThreads {

    /** Waits for file changes for the gateway's whole life: idle by design, not work left behind by a request. */
    private static final String LIVE_RELOAD_WATCHER = "429chain-live-reload";

    private BusyThreads() {
    }

    static long count() {
        return list().size();
    }

    /** Each busy thread's name and its innermost frames, for a failure message. */
    static List<String> list() {
        return Runtime.version().feature() >= 21 ? fromThreadDump() : fromPlatformThreads();
    }

    private static List<String> fromPlatformThreads() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey() != Thread.currentThread() && !e.getKey().getName().equals(LIVE_RELOAD_WATCHER))
                .filter(e -> Arrays.stream(e.getValue()).anyMatch(frame -> isGatewayCode(frame.getClassName())))
                .map(e -> e.getKey().getName() + " " + Arrays.toString(Arrays.copyOf(e.getValue(), Math.min(8, e.getValue().length))))
                .toList();
    }

    /** {@code HotSpotDiagnosticMXBean.dumpThreads(file, JSON)}, by reflection: the tests compile for Java 17. */
    private static List<String> fromThreadDump() {
        try {
            Path file = Files.createTempDirectory("busy-threads").resolve("threads.json");
            Object bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            Class<?> format = Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
            com.sun.management.HotSpotDiagnosticMXBean.class.getMethod("dumpThreads", String.class, format)
                    .invoke(bean, file.toString(), format.getField("JSON").get(null));
            JsonNode dump = new ObjectMapper().readTree(file.toFile());
            Files.delete(file);
            Files.delete(file.getParent());
            long self = Thread.currentThread().getId();
            List<String> busy = new ArrayList<>();
            for (JsonNode container : dump.path("threadDump").path("threadContainers")) {
                for (JsonNode thread : container.path("threads")) {
                    if (thread.path("tid").asLong() != self && !thread.path("name").asText().equals(LIVE_RELOAD_WATCHER)
                            && anyGatewayFrame(thread.path("stack"))) {
                        List<String> frames = new ArrayList<>();
                        thread.path("stack").forEach(frame -> frames.add(frame.asText()));
                        busy.add(thread.path("name").asText() + " " + frames.subList(0, Math.min(8, frames.size())));
                    }
                }
            }
            return busy;
        } catch (IOException | ReflectiveOperationException e) {
            throw new IllegalStateException("cannot dump this JVM's threads", e);
        }
    }

    private static boolean anyGatewayFrame(JsonNode stack) {
        for (JsonNode frame : stack) {
            if (isGatewayCode(frame.asText())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isGatewayCode(String frame) {
        return frame.startsWith("io.chain429.") && !frame.startsWith("io.chain429.e2e.");
    }
}
