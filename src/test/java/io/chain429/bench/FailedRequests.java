package io.chain429.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The failed requests of a benchmark run, by phase. Any one fails the run: a figure measured while requests failed
 * measures something else than 429chain serving (issue #16). Requests a phase left in flight at its abrupt end are
 * counted apart: the client left them, nothing failed.
 */
final class FailedRequests {

    private record Phase(String name, long count, String examples) {
    }

    private final List<Phase> failed = new ArrayList<>();
    private int phases;
    private long answered;
    private long abandoned;

    /** Takes in what became of one phase's requests. */
    synchronized void note(String phase, LoadClient.Tally tally) {
        phases++;
        answered += tally.answered.get();
        abandoned += tally.abandoned.get();
        if (tally.errors.count() > 0) {
            failed.add(new Phase(phase, tally.errors.count(), tally.errors.toString()));
        }
    }

    synchronized long total() {
        return failed.stream().mapToLong(Phase::count).sum();
    }

    /** One paragraph for the report: "0 failed requests", or how many and where, with the first few of each phase. */
    synchronized String report() {
        String counts = String.format(Locale.ROOT, "%,d phase%s, %,d answers checked; %,d requests left in flight when their phase's "
                + "connections were closed, not counted", phases, phases == 1 ? "" : "s", answered, abandoned);
        if (failed.isEmpty()) {
            return "**0 failed requests** (" + counts + ").";
        }
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "**%,d failed requests** in %d phase(s) (%s), so this run FAILED:",
                total(), failed.size(), counts));
        for (Phase phase : failed) {
            text.append("\n- ").append(phase.name()).append(": ").append(phase.examples());
        }
        return text.toString();
    }

    /** Fails with the report when any request failed. */
    void assertNone() {
        if (total() > 0) {
            throw new AssertionError(report());
        }
    }
}
