package io.chain429.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 429chain's stop-the-world pauses (garbage collections and the JVM's other safepoints), read from its unified JVM log.
 * The log is decorated with {@code timenanos}, the monotonic clock that {@link System#nanoTime()} reads in this JVM
 * too, so a pause can be laid next to the requests it held.
 */
final class Pauses {

    /** One pause: every Java thread of 429chain stopped from {@code start} to {@code end}. */
    record Pause(long start, long end, String operation) {
        double millis() {
            return (end - start) / 1e6;
        }
    }

    // [12.345s][3446020737977ns][safepoint   ] Safepoint "G1CollectForAllocation", Time since last: ..., Total: 5628419 ns, ...
    private static final Pattern SAFEPOINT = Pattern.compile("\\[(\\d+)ns]\\[safepoint\\s*] Safepoint \"([^\"]+)\".*Total: (\\d+) ns");

    private Pauses() {
    }

    /** The JVM option that makes 429chain write the log {@link #read} reads (and its GC lines, for people). */
    static String jvmOption(Path file) {
        return "-Xlog:gc,safepoint:file=" + file.toAbsolutePath() + ":uptime,timenanos,tags:filecount=0";
    }

    /** Every pause logged so far, in order; none when there is no log. */
    static List<Pause> read(Path file) {
        List<Pause> pauses = new ArrayList<>();
        try (var lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            lines.forEach(line -> {
                Matcher m = SAFEPOINT.matcher(line);
                if (m.find()) {
                    long end = Long.parseLong(m.group(1));
                    pauses.add(new Pause(end - Long.parseLong(m.group(3)), end, m.group(2)));
                }
            });
        } catch (IOException | RuntimeException e) {
            pauses.clear();
        }
        return pauses;
    }

    /** How many of {@code spans} were under way during at least one of {@code pauses}. */
    static long held(List<Timeline.Span> spans, List<Pause> pauses) {
        return spans.stream().filter(span -> pauses.stream().anyMatch(p -> span.overlaps(p.start(), p.end()))).count();
    }

    /** The pauses during which at least one of {@code spans} was under way. */
    static List<Pause> holding(List<Pause> pauses, List<Timeline.Span> spans) {
        long first = spans.stream().mapToLong(Timeline.Span::start).min().orElse(Long.MAX_VALUE);
        long last = spans.stream().mapToLong(Timeline.Span::end).max().orElse(Long.MIN_VALUE);
        return pauses.stream()
                .filter(p -> p.end() > first && p.start() < last)
                .filter(p -> spans.stream().anyMatch(span -> span.overlaps(p.start(), p.end())))
                .toList();
    }
}
