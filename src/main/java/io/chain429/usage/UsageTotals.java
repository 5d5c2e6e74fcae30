package io.chain429.usage;

import io.chain429.chain.AdHocSteps;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Requests, errors and tokens per provider and per chain, today (UTC day) and since start. Counted from the finished
 * requests' {@link RequestRecord}s, never per chunk. Each name's totals are one immutable value swapped in with a
 * compare-and-set: no lock on the request path, and a reader always gets a today and a since-start that agree.
 *
 * <p>Per chain: a request, and an error when it {@link RequestRecord#failed() failed}; its tokens. Per provider:
 * each request actually sent to it, an error for each it did not answer with a completion (429, 402, a rejected key,
 * a failure, a rejected request) and for a stream of it that broke after its first token; tokens go to the provider
 * that served.
 *
 * <p>A request for a single {@code provider/model} step counts under that step as its chain. The client chooses the
 * model, so about {@value #MAX_NAMES} names at most are kept per kind; any further one counts under {@value #OTHER}.
 */
public final class UsageTotals {

    static final int MAX_NAMES = 1_000;
    static final String OTHER = "(other)";

    private final Clock clock;
    private final Map<String, AtomicReference<Tally>> providers = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<Tally>> chains = new ConcurrentHashMap<>();

    public UsageTotals(Clock clock) {
        this.clock = clock;
    }

    /** Four counters; {@link #ZERO} to start from. */
    public record Counts(long requests, long errors, long promptTokens, long completionTokens) {
        public static final Counts ZERO = new Counts(0, 0, 0, 0);

        Counts plus(Counts more) {
            return new Counts(requests + more.requests, errors + more.errors,
                    promptTokens + more.promptTokens, completionTokens + more.completionTokens);
        }
    }

    /** One provider's or chain's totals as read now. */
    public record Row(String name, Counts today, Counts sinceStart) {
    }

    private record Tally(LocalDate day, Counts today, Counts sinceStart) {
        Tally plus(LocalDate now, Counts more) {
            return new Tally(now, (now.equals(day) ? today : Counts.ZERO).plus(more), sinceStart.plus(more));
        }

        Row row(String name, LocalDate now) {
            return new Row(name, now.equals(day) ? today : Counts.ZERO, sinceStart);
        }
    }

    public void add(RequestRecord request) {
        LocalDate today = today();
        long prompt = request.promptTokens() == null ? 0 : request.promptTokens();
        long completion = request.completionTokens() == null ? 0 : request.completionTokens();
        add(chains, AdHocSteps.chainLabel(request.chain()), today, new Counts(1, request.failed() ? 1 : 0, prompt, completion));
        for (RequestRecord.Try attempt : request.attempts()) {
            if (attempt.sent() || attempt.outcome().equals("failed")) { // a refused connection is the provider's error too
                boolean served = attempt.answered(); // only the last attempt can have answered
                boolean error = (!served && !attempt.clientGone()) || request.streamError() != null;
                add(providers, attempt.providerId(), today, new Counts(1, error ? 1 : 0,
                        served ? prompt : 0, served ? completion : 0));
            }
        }
    }

    /** Every provider that was sent a request since start, by name. */
    public List<Row> providers() {
        return rows(providers);
    }

    /** Every chain that served a request since start, by name. */
    public List<Row> chains() {
        return rows(chains);
    }

    private void add(Map<String, AtomicReference<Tally>> totals, String name, LocalDate today, Counts more) {
        AtomicReference<Tally> tally = totals.get(name);
        if (tally == null) {
            String kept = totals.size() < MAX_NAMES ? name : OTHER;
            tally = totals.computeIfAbsent(kept, n -> new AtomicReference<>(new Tally(today, Counts.ZERO, Counts.ZERO)));
        }
        tally.updateAndGet(current -> current.plus(today, more));
    }

    private List<Row> rows(Map<String, AtomicReference<Tally>> totals) {
        LocalDate today = today();
        return totals.entrySet().stream()
                .map(entry -> entry.getValue().get().row(entry.getKey(), today))
                .sorted(Comparator.comparing(Row::name))
                .toList();
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
