package io.chain429.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where the machine's CPU went during a measurement, from {@code /proc}: 429chain's process, this JVM (the load
 * client and the simulator), and everything else — so that a reader can tell a slow 429chain from a busy machine.
 */
final class CpuMeter {

    /** Linux reports process CPU time in clock ticks of 1/100 s on every common configuration. */
    private static final double TICK_SECONDS = 0.01;

    private final long gatewayPid;

    CpuMeter(long gatewayPid) {
        this.gatewayPid = gatewayPid;
    }

    /** CPU figures at one instant. */
    record Snapshot(long nanos, long machineBusyTicks, long machineTotalTicks, long gatewayTicks, long benchTicks,
                    long gatewayRunQueueWaitNanos) {
    }

    /** What happened between two snapshots. */
    record Usage(double seconds, double machineBusySeconds, double machineCapacitySeconds, double gatewaySeconds,
                 double benchSeconds, double gatewayRunQueueWaitSeconds) {

        double othersSeconds() {
            return Math.max(0, machineBusySeconds - gatewaySeconds - benchSeconds);
        }

        /** Share of the whole machine (all cores) used by processes other than 429chain and this JVM. */
        double othersShare() {
            return machineCapacitySeconds <= 0 ? Double.NaN : othersSeconds() / machineCapacitySeconds;
        }

        String describe() {
            return String.format(Locale.ROOT, "429chain %.1f s, load client + simulator %.1f s, other processes %.1f s (%.0f %% of the machine)",
                    gatewaySeconds, benchSeconds, othersSeconds(), othersShare() * 100);
        }
    }

    Snapshot snapshot(boolean withRunQueue) {
        long[] machine = machine();
        return new Snapshot(System.nanoTime(), machine[0], machine[1], processTicks(Path.of("/proc", String.valueOf(gatewayPid), "stat")),
                processTicks(Path.of("/proc/self/stat")), withRunQueue ? runQueueWait(gatewayPid) : 0);
    }

    Usage since(Snapshot before, boolean withRunQueue) {
        Snapshot now = snapshot(withRunQueue);
        long totalTicks = now.machineTotalTicks() - before.machineTotalTicks();
        return new Usage((now.nanos() - before.nanos()) / 1e9,
                (now.machineBusyTicks() - before.machineBusyTicks()) * TICK_SECONDS,
                totalTicks * TICK_SECONDS,
                (now.gatewayTicks() - before.gatewayTicks()) * TICK_SECONDS,
                (now.benchTicks() - before.benchTicks()) * TICK_SECONDS,
                withRunQueue ? (now.gatewayRunQueueWaitNanos() - before.gatewayRunQueueWaitNanos()) / 1e9 : Double.NaN);
    }

    /** {busy, total} ticks of all CPUs together, from the first line of /proc/stat. */
    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            // user nice system idle iowait irq softirq steal (guest time is already counted in user)
            for (int i = 1; i <= 8 && i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** utime + stime of a process, in ticks. */
    private static long processTicks(Path stat) {
        try {
            String text = Files.readString(stat);
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Time the process's live threads spent runnable but waiting for a CPU (schedstat field 2), in ns. */
    private static long runQueueWait(long pid) {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String[] f = Files.readString(task.resolve("schedstat")).trim().split(" ");
                    sum += Long.parseLong(f[1]);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return sum;
    }
}
