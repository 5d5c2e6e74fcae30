package io.chain429.bench;

import io.chain429.bench.LoadClient.Check;
import io.chain429.bench.LoadClient.JsonResult;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The soak (issue #17): millions of requests through one 429chain, tens of thousands of them naming a
 * {@code provider/model} step no chain lists, and 429chain's live heap (in use right after a full GC) at the start, in
 * the middle and at the end. It passes when no request failed and that heap grew by at most the plan's limit from
 * start to end: what 429chain keeps must grow neither with traffic nor with the names clients make up.
 *
 * <p>Request n names the plan's chain, except every {@link Plan#adHocEvery()}-th, which names
 * {@code <provider>/x<k>}, k cycling through 1 … {@code adHocModels}: every name twice, once in each half, so that the
 * second half brings back names 429chain has had to forget.
 */
final class Soak {

    private static final double MIB = 1024.0 * 1024.0;

    /**
     * What to send: {@code requests} in all from {@code concurrency} clients, {@code chain} served by
     * {@code chainStep}, {@code adHocModels} names of provider {@code adHocProvider}; fails above
     * {@code heapGrowthLimitBytes}.
     */
    record Plan(long requests, int adHocModels, int concurrency, String chain, String chainStep, String adHocProvider,
                long heapGrowthLimitBytes) {

        Plan {
            if (adHocModels < 1 || requests < 2L * adHocModels) {
                throw new IllegalArgumentException("a soak needs at least two requests per ad-hoc name: " + requests
                        + " requests for " + adHocModels + " names");
            }
        }

        /** One request in this many names an ad-hoc step: each name comes twice in a run, spread over all of it. */
        long adHocEvery() {
            return requests / (2L * adHocModels);
        }

        /** The step request n names directly, or null when it names the chain. */
        String adHocStep(long n) {
            long every = adHocEvery();
            return n % every == 0 ? adHocProvider + "/x" + ((n / every) % adHocModels + 1) : null;
        }

        /** How many of requests first … first + count - 1 name an ad-hoc step. */
        long adHocRequests(long first, long count) {
            long every = adHocEvery();
            return (first + count + every - 1) / every - (first + every - 1) / every;
        }

        Buffer body(long n) {
            String step = adHocStep(n);
            return Buffer.buffer("{\"model\":\"" + (step == null ? chain : step)
                    + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello from the 429chain soak\"}]}");
        }

        /** Served at the first attempt by the step the request named, or by the chain's step. */
        Check check(long n) {
            String step = adHocStep(n);
            return Check.servedBy(step == null ? chainStep : step, "1");
        }
    }

    /** 429chain at one point of the soak, with no request in flight; -1 for a figure that could not be read. */
    record Checkpoint(String when, long requests, long heapAfterGcBytes, long rssKiB, long metricsBytes, long stateFileBytes) {
    }

    /** Measures 429chain between two parts of the soak: its heap right after a full GC, and what else it can read. */
    interface Gauge {
        Checkpoint measure(String when, long requestsSoFar) throws Exception;
    }

    /** One half of the soak's requests, what became of them, and when it ran ({@link System#nanoTime()}). */
    record Part(String name, long first, long count, long adHocRequests, JsonResult result, long startNanos, long endNanos) {
    }

    private Soak() {
    }

    /** Runs the plan's requests in two halves against 429chain on {@code port}, measuring before, between and after. */
    static Outcome run(Plan plan, LoadClient client, int port, Gauge gauge, FailedRequests failed) throws Exception {
        List<Checkpoint> checkpoints = new ArrayList<>();
        List<Part> parts = new ArrayList<>();
        long half = plan.requests() / 2;
        checkpoints.add(gauge.measure("start", 0));
        parts.add(part(plan, client, port, "first half", 0, half, failed));
        checkpoints.add(gauge.measure("middle", half));
        parts.add(part(plan, client, port, "second half", half, plan.requests() - half, failed));
        checkpoints.add(gauge.measure("end", plan.requests()));
        return new Outcome(plan, checkpoints, parts);
    }

    private static Part part(Plan plan, LoadClient client, int port, String name, long first, long count, FailedRequests failed) {
        long start = System.nanoTime();
        JsonResult result = client.closedLoopCounted(port, first, count, plan.concurrency(), plan::body, plan::check);
        long end = System.nanoTime();
        failed.note("soak, " + name, result);
        return new Part(name, first, count, plan.adHocRequests(first, count), result, start, end);
    }

    /** What the soak measured, and its verdict. */
    record Outcome(Plan plan, List<Checkpoint> checkpoints, List<Part> parts) {

        long failedRequests() {
            return parts.stream().mapToLong(part -> part.result().errors.count()).sum();
        }

        long answered() {
            return parts.stream().mapToLong(part -> part.result().answered.get()).sum();
        }

        /** End minus start of the heap after a full GC; NaN when either could not be measured. */
        double heapGrowthMiB() {
            long start = checkpoints.get(0).heapAfterGcBytes();
            long end = checkpoints.get(checkpoints.size() - 1).heapAfterGcBytes();
            return start < 0 || end < 0 ? Double.NaN : (end - start) / MIB;
        }

        /** Null when the soak passed, else why it failed. */
        String failure() {
            List<String> reasons = new ArrayList<>();
            if (failedRequests() > 0) {
                reasons.add(String.format(Locale.ROOT, "%,d failed request(s)", failedRequests()));
            }
            if (answered() < plan.requests()) {
                reasons.add(String.format(Locale.ROOT, "%,d of %,d requests answered", answered(), plan.requests()));
            }
            double growth = heapGrowthMiB();
            if (Double.isNaN(growth)) {
                reasons.add("429chain's heap after a full GC could not be measured");
            } else if (growth > plan.heapGrowthLimitBytes() / MIB) {
                reasons.add(String.format(Locale.ROOT, "heap after a full GC grew %+.1f MiB from start to end (limit %+.0f MiB)",
                        growth, plan.heapGrowthLimitBytes() / MIB));
            }
            return reasons.isEmpty() ? null : String.join("; ", reasons);
        }

        boolean passed() {
            return failure() == null;
        }

        /** The verdict in one line. */
        String verdict() {
            return passed()
                    ? String.format(Locale.ROOT, "soak passed — heap after a full GC %+.1f MiB from start to end (limit %+.0f MiB), "
                            + "0 failed requests of %,d", heapGrowthMiB(), plan.heapGrowthLimitBytes() / MIB, answered())
                    : "**SOAK FAILED** — " + failure();
        }

        /** Fails with the verdict when the soak did not pass. */
        void assertPassed() {
            if (!passed()) {
                throw new AssertionError(verdict());
            }
        }

        /** The report's tables: the checkpoints, then the two halves. */
        List<String> table() {
            List<String> lines = new ArrayList<>();
            lines.add("| when | requests so far | **heap after full GC MiB** | RSS MiB | `/metrics` KiB | `provider-state.json` KiB |");
            lines.add("|---|---:|---:|---:|---:|---:|");
            for (Checkpoint c : checkpoints) {
                lines.add(String.format(Locale.ROOT, "| %s | %,d | **%s** | %s | %s | %s |", c.when(), c.requests(),
                        c.heapAfterGcBytes() < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", c.heapAfterGcBytes() / MIB),
                        c.rssKiB() < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", c.rssKiB() / 1024.0),
                        kib(c.metricsBytes()), kib(c.stateFileBytes())));
            }
            lines.add("");
            lines.add("| part | requests | of them ad-hoc | requests/s | latency p50 / p99 / p99.9 ms | failed |");
            lines.add("|---|---:|---:|---:|---|---:|");
            for (Part part : parts) {
                JsonResult r = part.result();
                lines.add(String.format(Locale.ROOT, "| %s | %,d | %,d | %.0f | %.3f / %.3f / %.3f | %s |", part.name(), part.count(),
                        part.adHocRequests(), r.requestsPerSecond(), r.latency.millis(0.50), r.latency.millis(0.99), r.latency.millis(0.999),
                        r.errors));
            }
            return lines;
        }

        private static String kib(long bytes) {
            return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", bytes / 1024.0);
        }
    }
}
