package io.chain429.bench;

import io.chain429.bench.LoadClient.Check;
import io.chain429.bench.LoadClient.HoldResult;
import io.chain429.bench.LoadClient.JsonResult;
import io.chain429.bench.LoadClient.StreamResult;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The benchmark 429chain ships: what 429chain adds to a request, compared with calling the provider directly under
 * the same load. See {@code docs/benchmark.md}; run with {@code mvn -B -Pbench verify}.
 *
 * <p>One JVM (this one) holds a fast local OpenAI-compatible provider ({@link FastSimulator}) and the load
 * generator ({@link LoadClient}); 429chain runs as a separate process from {@code target/429chain.jar}, its
 * providers pointing at the simulator. Every figure compares DIRECT (the load client calling the simulator) with
 * THROUGH (the load client calling 429chain, which calls the simulator), measured in alternating slices of the
 * same load so that drift (JIT, GC, other processes) falls on both sides alike.
 *
 * <p>Settings (system properties): {@code bench.jar}, {@code bench.routes}, {@code bench.out},
 * {@code bench.slices}, {@code bench.sliceMillis}, {@code bench.settleMillis}, {@code bench.streams},
 * {@code bench.rounds}, {@code bench.streamEvents}, {@code bench.streamIntervalMillis}, {@code bench.gatewayXmx},
 * {@code bench.gatewayOpts} (more JVM options for 429chain, space-separated), {@code bench.parts},
 * {@code bench.soakRequests}, {@code bench.soakModels}, {@code bench.soakConcurrency}, {@code bench.soakHeapGrowthMiB}.
 */
public final class Benchmark {

    // targets the figures are compared with
    private static final double TARGET_ADDED_P50_MS = 0.3;
    private static final double TARGET_ADDED_P99_MS = 2.0;
    /** One request at a time, the tail as good as the median: added p99 within about a millisecond (issue #17). */
    private static final double TARGET_ADDED_P99_C1_MS = 1.0;
    private static final double TARGET_TTFT_ADDED_P50_MS = 1.0;
    private static final double TARGET_THROUGHPUT_RATIO = 0.40;
    private static final double TARGET_HOP_ADDED_P50_MS = 1.0;
    private static final long TARGET_RSS_MIB = 512;
    /** "No growth": after-round and peak RSS of the last round within this fraction of round 2's. */
    private static final double RSS_GROWTH_TOLERANCE = 0.05;

    /** A warm-up round in which 429chain's compilers worked less than this (of about 5 s) leaves a settled JIT. */
    private static final double JIT_SETTLED_MILLIS = 100;
    private static final int SHORT_EVENTS = 20;
    private static final int SHORT_INTERVAL_MS = 5;
    /** One event, at once: the warm-up's stream starts, many per second. */
    private static final String QUICK_STREAM_MODEL = "sse-1-0";
    private static final int[] STREAM_CONCURRENCY = {1, 16};
    /** How long after a round's last stream its "RSS after" is read. */
    private static final long AFTER_ROUND_MILLIS = 1000;
    /** Longest time a round's streams are kept from ending while waiting for all of them to be open. */
    private static final long HOLD_MILLIS = 30_000;

    private final Path jar = Path.of(System.getProperty("bench.jar", "target/429chain.jar"));
    private final Path projectRoutes = Path.of(System.getProperty("bench.routes", "routes"));
    private final Path out = Path.of(System.getProperty("bench.out", "target/bench"));
    private final int slices = Integer.getInteger("bench.slices", 3);
    private final int warmUpRounds = Integer.getInteger("bench.warmUpRounds", 6);
    /** More warm-up rounds, up to this many in all, while 429chain's JIT compilers are still busy. */
    private final int warmUpMaxRounds = Integer.getInteger("bench.warmUpMaxRounds", 20);
    private final long sliceMillis = Long.getLong("bench.sliceMillis", 1000);
    private final long settleMillis = Long.getLong("bench.settleMillis", 250);
    private final int streams = Integer.getInteger("bench.streams", 1000);
    private final int rounds = Integer.getInteger("bench.rounds", 10);
    private final int longEvents = Integer.getInteger("bench.streamEvents", 60);
    private final int longIntervalMillis = Integer.getInteger("bench.streamIntervalMillis", 100);
    private final String gatewayXmx = System.getProperty("bench.gatewayXmx", "256m");
    /** Which sections to run, e.g. {@code -Dbench.parts=streaming} while working on one of them. */
    private final Set<String> parts = Set.of(System.getProperty("bench.parts", "latency,streaming,hop,memory,soak").split(","));
    private final long soakRequests = Long.getLong("bench.soakRequests", 2_000_000);
    private final int soakModels = Integer.getInteger("bench.soakModels", 50_000);
    private final int soakConcurrency = Integer.getInteger("bench.soakConcurrency", 16);
    private final long soakHeapGrowthMiB = Long.getLong("bench.soakHeapGrowthMiB", 8);
    private final int maxConcurrentRequests = streams + 100;

    private final StringBuilder report = new StringBuilder();
    private final FailedRequests failedRequests = new FailedRequests();
    private final List<String[]> summary = new ArrayList<>();
    private int missed;
    private final long started = System.nanoTime();
    /** The soak's verdict, when it ran: a failed soak fails the run, after the report. */
    private Soak.Outcome soak;
    /** Share of the machine's CPU used by other processes during each measurement. */
    private final List<Double> othersShares = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int status;
        try {
            status = new Benchmark().run();
        } catch (AssertionError e) {
            System.err.println("benchmark FAILED: " + e.getMessage());
            status = 1;
        } catch (Exception e) {
            System.err.println("benchmark failed: " + e);
            e.printStackTrace();
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    private int run() throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " not found: build it first (mvn -B -Pbench verify packages it)");
        }
        Files.createDirectories(out);
        long openFiles = maxOpenFiles();
        if (openFiles > 0 && openFiles < 2L * streams + 500) {
            System.out.printf("WARNING: the open-files limit is %d; %d streams need about %d sockets in this JVM and %d in 429chain. "
                    + "Raise it (ulimit -n 8192) or lower -Dbench.streams.%n", openFiles, streams, 2 * streams, 2 * streams);
        }

        Path work = Files.createTempDirectory("429chain-bench");
        try (FastSimulator simulator = new FastSimulator(2);
             LoadClient client = new LoadClient(2, maxConcurrentRequests)) {
            progress("starting 429chain from " + jar + " in " + work + "...");
            // as the container runs it: the whole heap committed and touched at start, so RSS is what it will stay
            List<String> jvm = new ArrayList<>(List.of("-Xmx" + gatewayXmx, "-Xms" + gatewayXmx, "-XX:+AlwaysPreTouch"));
            // its pauses, to tell which slow requests they held (a line per pause: nothing a request waits for)
            jvm.add(Pauses.jvmOption(pauseLog()));
            String extra = System.getProperty("bench.gatewayOpts", "").trim();
            if (!extra.isEmpty()) {
                jvm.addAll(List.of(extra.split("\\s+")));
            }
            try (GatewayProcess gateway = GatewayProcess.start(jar, projectRoutes, work, gatewayYaml(simulator), chainsYaml(), jvm,
                    Map.of("CHAIN429_MAX_CONCURRENT_REQUESTS", String.valueOf(maxConcurrentRequests)),
                    out.resolve("429chain.log").toAbsolutePath())) {
                long idleRss = gateway.rssKiB();
                header(gateway, openFiles, idleRss);
                Runner runner = new Runner(simulator, gateway, client);
                progress("checking the set-up...");
                runner.sanity();
                runner.warmUp();
                if (parts.contains("latency")) {
                    runner.latencyAndThroughput();
                }
                if (parts.contains("streaming")) {
                    runner.streaming();
                }
                if (parts.contains("hop")) {
                    runner.waterfallHop();
                }
                if (parts.contains("memory")) {
                    runner.manyStreams();
                }
                if (parts.contains("soak")) {
                    runner.soak();
                }
                footer(gateway);
                progress("stopping 429chain...");
            }
        } finally {
            // what was measured, even when a later part failed
            Files.writeString(out.resolve("results.md"), report.toString());
            System.out.println();
            System.out.println("written to " + out.resolve("results.md"));
            deleteQuietly(work);
        }
        failedRequests.assertNone();
        if (soak != null) {
            soak.assertPassed();
        }
        return 0;
    }

    private Path pauseLog() {
        return out.resolve("429chain-gc.log").toAbsolutePath();
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // a temporary folder left behind
        }
    }

    // ------------------------------------------------------------------------------------------------ configuration

    private static String gatewayYaml(FastSimulator simulator) {
        return """
                version: 1
                settings:
                  defaultChain: direct
                providers:
                  - id: fast
                    type: openai-compatible
                    baseUrl: %s
                  - id: limited
                    type: openai-compatible
                    baseUrl: %s
                  - id: soak
                    type: openai-compatible
                    baseUrl: %s
                    limits: {rpm: 1000000000, rpd: 2000000000, tpm: 2000000000, tpd: 2000000000}
                """.formatted(simulator.baseUrl(), simulator.limitedBaseUrl(), simulator.baseUrl());
    }

    private String chainsYaml() {
        return chain("direct", "fast/y")
                + chain("hop", "limited/x, fast/y")
                + chain("stream20", "fast/" + shortStreamModel())
                + chain("long", "fast/" + longStreamModel())
                + chain("quick", "fast/" + QUICK_STREAM_MODEL)
                + chain("soak", "soak/y");
    }

    private static String chain(String name, String steps) {
        return """
                - templatedRoute:
                    routeTemplateRef: chain
                    parameters:
                      - name: name
                        value: %s
                      - name: steps
                        value: %s
                """.formatted(name, steps);
    }

    private static String shortStreamModel() {
        return "sse-" + SHORT_EVENTS + "-" + SHORT_INTERVAL_MS;
    }

    private String longStreamModel() {
        return "sse-" + longEvents + "-" + longIntervalMillis;
    }

    private static Buffer chat(String model, boolean stream) {
        return Buffer.buffer("{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello from the 429chain benchmark\"}]}");
    }

    private static Check servedBy(String provider, String attempts) {
        return Check.servedBy(provider, attempts);
    }

    // ------------------------------------------------------------------------------------------------ measurements

    private final class Runner {
        private final FastSimulator simulator;
        private final GatewayProcess gateway;
        private final LoadClient client;
        private final int direct;
        private final int through;
        private final CpuMeter cpu;
        private final PerfCounters perf;

        Runner(FastSimulator simulator, GatewayProcess gateway, LoadClient client) {
            this.cpu = new CpuMeter(gateway.pid());
            this.perf = gateway.perfCounters();
            this.simulator = simulator;
            this.gateway = gateway;
            this.client = client;
            this.direct = simulator.port();
            this.through = gateway.port();
        }

        void sanity() {
            List<String> failures = new ArrayList<>();
            check(failures, "direct completion", client.closedLoop(direct, chat("y", false), 1, 0, 200, Check.OK_200).errors);
            check(failures, "through completion", client.closedLoop(through, chat("direct", false), 1, 0, 200, servedBy("fast/y", "1")).errors);
            check(failures, "through hop", client.closedLoop(through, chat("hop", false), 1, 0, 200, servedBy("fast/y", "2")).errors);
            check(failures, "direct stream", client.closedLoopStreams(direct, chat(shortStreamModel(), true), 1, 0, 200, SHORT_EVENTS, Check.OK_200).errors);
            check(failures, "through stream", client.closedLoopStreams(through, chat("stream20", true), 1, 0, 200, SHORT_EVENTS,
                    servedBy("fast/" + shortStreamModel(), "1")).errors);
            if (!failures.isEmpty()) {
                throw new IllegalStateException("the set-up does not work: " + failures + "\n429chain log:\n" + gateway.tail(30));
            }
        }

        private void check(List<String> failures, String what, LoadClient.Errors errors) {
            if (errors.count() > 0) {
                failures.add(what + ": " + errors);
            }
        }

        void warmUp() {
            // 429chain's request path runs through a few thousand methods; C2 compiles them over tens of thousands of
            // requests, and a short warm-up measured the JIT compiler (a third of the CPU) instead of 429chain.
            progress("warming up (JIT of both JVMs, connection pools)...");
            // on a busy machine a round serves fewer requests and the compilers get less of the cores: rounds go on
            // until 429chain's compilers have settled, or a compiler would share the cores with the measurements
            double jit = PerfCounters.jitMillis(perf.read());
            double roundJit = Double.NaN;
            int i = 0;
            for (; i < warmUpMaxRounds && (i < warmUpRounds || roundJit > JIT_SETTLED_MILLIS); i++) {
                String round = "warm-up round " + (i + 1) + ", ";
                failedRequests.note(round + "through direct", client.closedLoop(through, chat("direct", false), 16, 0, 1500, Check.OK_200));
                failedRequests.note(round + "direct", client.closedLoop(direct, chat("y", false), 16, 0, 500, Check.OK_200));
                failedRequests.note(round + "through hop", client.closedLoop(through, chat("hop", false), 16, 0, 500, Check.OK_200));
                failedRequests.note(round + "through stream20", client.closedLoopStreams(through, chat("stream20", true), 16, 0, 500,
                        SHORT_EVENTS, Check.OK_200));
                failedRequests.note(round + "direct stream", client.closedLoopStreams(direct, chat(shortStreamModel(), true), 16, 0, 300,
                        SHORT_EVENTS, Check.OK_200));
                // A 20-event stream takes 100 ms, so the rounds above start only a few hundred streams: too few for C2
                // to compile what runs once per stream start (opening the upstream stream, the commit). Many one-event
                // streams do, so the time-to-first-token figures are those of compiled code, as in a server running
                // for a while, not of the interpreter and C1.
                failedRequests.note(round + "through quick", client.closedLoopStreams(through, chat("quick", true), 16, 0, 1500, 1,
                        Check.OK_200));
                failedRequests.note(round + "direct quick", client.closedLoopStreams(direct, chat(QUICK_STREAM_MODEL, true), 16, 0, 300, 1,
                        Check.OK_200));
                double now = PerfCounters.jitMillis(perf.read());
                roundJit = jit < 0 || now < 0 ? Double.NaN : now - jit;
                jit = now;
                progress(String.format(Locale.ROOT, "warm-up round %d: 429chain's JIT compilers worked %.0f ms", i + 1, roundJit));
            }
            line(String.format(Locale.ROOT, "Warm-up: %d rounds of about 5 s; 429chain's JIT compilers worked %.0f ms in the last one "
                    + "(rounds go on, up to %d, while that is over %.0f ms).", i, roundJit, warmUpMaxRounds, JIT_SETTLED_MILLIS));
            line("");
        }

        /**
         * Alternating slices D T, T D, D T, ...: each side gets the same load, and drift falls on both. Each slice is a
         * phase of its own ({@code what}, side, slice number) for the failed requests.
         */
        private <R extends LoadClient.Tally> void alternate(String what, String firstSide, Supplier<R> first, String secondSide,
                                                            Supplier<R> second, java.util.function.Consumer<R> intoFirst,
                                                            java.util.function.Consumer<R> intoSecond) {
            for (int s = 0; s < slices; s++) {
                String slice = " slice " + (s + 1);
                if (s % 2 == 0) {
                    intoFirst.accept(noted(what + " " + firstSide + slice, first.get()));
                    intoSecond.accept(noted(what + " " + secondSide + slice, second.get()));
                } else {
                    intoSecond.accept(noted(what + " " + secondSide + slice, second.get()));
                    intoFirst.accept(noted(what + " " + firstSide + slice, first.get()));
                }
                alive();
            }
        }

        private <R extends LoadClient.Tally> R noted(String phase, R result) {
            failedRequests.note(phase, result);
            return result;
        }

        private void alive() {
            if (!gateway.alive()) {
                throw new IllegalStateException("429chain exited during the benchmark; see " + gateway.log() + ":\n" + gateway.tail(30));
            }
        }

        void latencyAndThroughput() {
            line("## 1. Added latency, non-streaming (through minus direct)");
            line("");
            line("Closed loop: each of c clients sends its next request when its answer is complete. " + slices + " alternating slices of "
                    + sliceMillis + " ms per side (after " + settleMillis + " ms unrecorded). Added = through percentile minus direct percentile.");
            line("");
            line("| c | direct p50 / p90 / p99 / p99.9 ms | through p50 / p90 / p99 / p99.9 ms | **added p50** | **added p90** | **added p99** | **added p99.9** | X-429chain-Overhead-Ms p50 / p99 | 429chain CPU per request ms | 429chain run-queue wait per request ms | other processes' CPU | requests direct / through | errors direct / through |");
            line("|---:|---|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|");
            List<String> tails = new ArrayList<>();
            // printed after the table, which they would cut in two
            List<Runnable> verdicts = new ArrayList<>();
            JsonResult direct64 = null;
            JsonResult through64 = null;
            long threadsBefore = PerfCounters.get(perf.read(), "java.threads.started");
            long throughRequests = 0;
            for (int c : new int[] {1, 16, 64}) {
                progress("measuring non-streaming latency at c=" + c + "...");
                JsonResult d = new JsonResult();
                JsonResult t = new JsonResult();
                CpuMeter.Snapshot before = cpu.snapshot(true);
                double jitBefore = PerfCounters.jitMillis(perf.read());
                alternate("latency c=" + c, "direct", () -> client.closedLoop(direct, chat("y", false), c, settleMillis, sliceMillis, Check.OK_200),
                        "through", () -> client.closedLoop(through, chat("direct", false), c, settleMillis, sliceMillis, servedBy("fast/y", "1")),
                        d::merge, t::merge);
                CpuMeter.Usage used = cpu.since(before, true);
                othersShares.add(used.othersShare());
                line(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %d / %d | %s / %s |", c,
                        four(d.latency), four(t.latency),
                        ms(t.latency.millis(0.50) - d.latency.millis(0.50)),
                        ms(t.latency.millis(0.90) - d.latency.millis(0.90)),
                        ms(t.latency.millis(0.99) - d.latency.millis(0.99)),
                        ms(t.latency.millis(0.999) - d.latency.millis(0.999)),
                        ms(t.selfReportedOverhead.millis(0.50)), ms(t.selfReportedOverhead.millis(0.99)),
                        perRequest(used.gatewaySeconds(), t.answered.get()), perRequest(used.gatewayRunQueueWaitSeconds(), t.answered.get()),
                        percent(used.othersShare()), d.latency.count(), t.latency.count(), d.errors, t.errors));
                throughRequests += t.answered.get();
                tails.add(tail(c, t.timeline, PerfCounters.jitMillis(perf.read()) - jitBefore));
                if (c == 1) {
                    double p99 = t.latency.millis(0.99) - d.latency.millis(0.99);
                    String measured = ms(p99) + " ms (p99.9 " + ms(t.latency.millis(0.999) - d.latency.millis(0.999)) + " ms)";
                    boolean met = p99 <= TARGET_ADDED_P99_C1_MS && t.errors.count() == 0;
                    verdicts.add(() -> target("added latency p99 at c=1", measured, "≤ " + TARGET_ADDED_P99_C1_MS + " ms", met));
                }
                if (c == 16) {
                    double p50 = t.latency.millis(0.50) - d.latency.millis(0.50);
                    double p99 = t.latency.millis(0.99) - d.latency.millis(0.99);
                    boolean ok = t.errors.count() == 0;
                    verdicts.add(() -> target("added latency p50 at c=16", ms(p50) + " ms", "≤ " + TARGET_ADDED_P50_MS + " ms", p50 <= TARGET_ADDED_P50_MS && ok));
                    verdicts.add(() -> target("added latency p99 at c=16", ms(p99) + " ms", "≤ " + TARGET_ADDED_P99_MS + " ms", p99 <= TARGET_ADDED_P99_MS && ok));
                }
                if (c == 64) {
                    direct64 = d;
                    through64 = t;
                }
            }
            long threadsAfter = PerfCounters.get(perf.read(), "java.threads.started");
            line("");
            line("429chain CPU per request = CPU time of the 429chain process (/proc/<pid>/stat) during the level divided by the requests it served "
                    + "(at c=1 its idle background work, JIT and GC weigh on few requests). Run-queue wait = time its threads were ready to run "
                    + "but waiting for a core (/proc/<pid>/task/*/schedstat). Other processes' CPU = share of the whole machine used by neither "
                    + "429chain nor the benchmark JVM.");
            if (threadsBefore >= 0 && threadsAfter >= 0 && throughRequests > 0) {
                line("");
                line(String.format(Locale.ROOT, "Java threads started by 429chain during these measurements (its java.threads.started counter): "
                        + "%,d for %,d requests, %.2f per request.", threadsAfter - threadsBefore, throughRequests,
                        (double) (threadsAfter - threadsBefore) / throughRequests));
            }
            line("");
            line("What held the slowest requests through 429chain: its stop-the-world pauses (garbage collections and other safepoints, "
                    + "from its `-Xlog:gc,safepoint` log, `" + pauseLog().getFileName() + "`, on the clock the load client reads) laid next to "
                    + "each request's time in flight. A slow request that no pause overlapped was held by something else: the machine's "
                    + "other processes, 429chain's other threads, the client or the simulator. The JIT column is 429chain's compilers' time "
                    + "(its `sun.ci` counters), which competes for the cores: more than a few ms means the warm-up was too short.");
            line("");
            line("| c | slowest 1 % of requests through: how many, from | of them during a 429chain pause | slowest 0.1 %: how many, from | of them during a pause | 429chain pauses that held a request: how many, p50 / longest ms | 429chain's JIT compiling during the level, ms |");
            line("|---:|---|---:|---|---:|---|---:|");
            tails.forEach(Benchmark.this::line);
            line("");
            verdicts.forEach(Runnable::run);
            line("## 2. Throughput at c=64 (same run as the c=64 row above)");
            line("");
            double ratio = through64.requestsPerSecond() / direct64.requestsPerSecond();
            line("| direct req/s | through req/s | through / direct | target |");
            line("|---:|---:|---:|---|");
            line(String.format(Locale.ROOT, "| %.0f | %.0f | **%.1f %%** | ≥ %.0f %% |", direct64.requestsPerSecond(), through64.requestsPerSecond(),
                    ratio * 100, TARGET_THROUGHPUT_RATIO * 100));
            line("");
            line("Both sides share the machine's " + Runtime.getRuntime().availableProcessors()
                    + " cores with the load client and the simulator: direct, the client and the simulator have them to themselves; through, 429chain needs its share too.");
            line("");
            target("throughput through / direct at c=64", String.format(Locale.ROOT, "%.1f %% (%.0f vs %.0f req/s)", ratio * 100,
                    through64.requestsPerSecond(), direct64.requestsPerSecond()), "≥ 40 %", ratio >= TARGET_THROUGHPUT_RATIO);
        }

        /** One row of the tail table: the slowest requests of a level, and how many of them a 429chain pause held. */
        private String tail(int c, Timeline timeline, double jitMillis) {
            List<Pauses.Pause> pauses = Pauses.read(pauseLog());
            List<Timeline.Span> spans = timeline.spans();
            List<Timeline.Span> slowest1 = timeline.slowest(0.01);
            List<Timeline.Span> slowest01 = timeline.slowest(0.001);
            List<Pauses.Pause> holding = Pauses.holding(pauses, spans);
            Samples lengths = new Samples();
            holding.forEach(p -> lengths.add(p.end() - p.start()));
            return String.format(Locale.ROOT, "| %d | %,d, from %s ms | %,d | %,d, from %s ms | %,d | %,d, %s / %s | %s |", c,
                    slowest1.size(), slowest1.isEmpty() ? "n/a" : ms(slowest1.get(slowest1.size() - 1).nanos() / 1e6),
                    Pauses.held(slowest1, pauses),
                    slowest01.size(), slowest01.isEmpty() ? "n/a" : ms(slowest01.get(slowest01.size() - 1).nanos() / 1e6),
                    Pauses.held(slowest01, pauses),
                    holding.size(), ms(lengths.millis(0.5)), ms(lengths.millis(1.0)), jitMillis < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", jitMillis));
        }

        void streaming() {
            line("## 3. Streaming: " + SHORT_EVENTS + " events " + SHORT_INTERVAL_MS + " ms apart");
            line("");
            line("Closed loop, like section 1: c clients each open their next stream when the last one ended (slices of "
                    + 5 * sliceMillis + " ms per side at c=1, for enough streams). Time to first token = "
                    + "request sent → first content event read. Event delivery = each event's age when read: the simulator stamps every event "
                    + "with the time it wrote it. Inter-event delay = time between consecutive content events as the client reads them (its "
                    + "median can fall below the " + SHORT_INTERVAL_MS + " ms interval when late events arrive bunched). At c=16 the streams "
                    + "start and stay in step, so each first token queues behind the other 15 streams' starts: a burst, the hard case.");
            line("");
            line("| c | time to first token direct p50 / p99 ms | through p50 / p99 ms | **added p50** | added p99 | event delivery added p50 / p99 ms "
                    + "| inter-event delay added p50 / p99 ms | whole stream added p50 ms | 429chain CPU per stream ms | run-queue wait per stream ms "
                    + "| other processes' CPU | streams direct / through | errors direct / through |");
            line("|---:|---|---|---:|---:|---|---|---:|---:|---:|---:|---|---|");
            List<String[]> verdicts = new ArrayList<>();
            for (int c : STREAM_CONCURRENCY) {
                progress("measuring streaming (" + SHORT_EVENTS + " events " + SHORT_INTERVAL_MS + " ms apart) at c=" + c + "...");
                StreamResult d = new StreamResult();
                StreamResult t = new StreamResult();
                // one stream at a time makes ten streams a second: longer slices, for enough of them
                long slice = c == 1 ? 5 * sliceMillis : sliceMillis;
                CpuMeter.Snapshot before = cpu.snapshot(true);
                alternate("streaming c=" + c, "direct", () -> client.closedLoopStreams(direct, chat(shortStreamModel(), true), c, settleMillis, slice,
                                SHORT_EVENTS, Check.OK_200),
                        "through", () -> client.closedLoopStreams(through, chat("stream20", true), c, settleMillis, slice,
                                SHORT_EVENTS, servedBy("fast/" + shortStreamModel(), "1")),
                        d::merge, t::merge);
                CpuMeter.Usage used = cpu.since(before, true);
                othersShares.add(used.othersShare());
                line(String.format(Locale.ROOT, "| %d | %s / %s | %s / %s | **%s** | %s | %s / %s | %s / %s | %s | %s | %s | %s | %d / %d | %s / %s |", c,
                        ms(d.timeToFirstToken.millis(0.50)), ms(d.timeToFirstToken.millis(0.99)),
                        ms(t.timeToFirstToken.millis(0.50)), ms(t.timeToFirstToken.millis(0.99)),
                        ms(added(d.timeToFirstToken, t.timeToFirstToken, 0.50)), ms(added(d.timeToFirstToken, t.timeToFirstToken, 0.99)),
                        ms(added(d.eventDelivery, t.eventDelivery, 0.50)), ms(added(d.eventDelivery, t.eventDelivery, 0.99)),
                        ms(added(d.interEventGap, t.interEventGap, 0.50)), ms(added(d.interEventGap, t.interEventGap, 0.99)),
                        ms(added(d.wholeStream, t.wholeStream, 0.50)),
                        perRequest(used.gatewaySeconds(), t.answered.get()), perRequest(used.gatewayRunQueueWaitSeconds(), t.answered.get()),
                        percent(used.othersShare()), d.timeToFirstToken.count(), t.timeToFirstToken.count(), d.errors, t.errors));
                double ttft = added(d.timeToFirstToken, t.timeToFirstToken, 0.50);
                verdicts.add(new String[] {"streaming time-to-first-token added p50 at c=" + c, ms(ttft) + " ms (p99 "
                        + ms(added(d.timeToFirstToken, t.timeToFirstToken, 0.99)) + " ms; event delivery p50 "
                        + ms(added(d.eventDelivery, t.eventDelivery, 0.50)) + " ms)",
                        String.valueOf(ttft <= TARGET_TTFT_ADDED_P50_MS && t.errors.count() == 0)});
            }
            line("");
            for (String[] verdict : verdicts) {
                target(verdict[0], verdict[1], "≤ " + TARGET_TTFT_ADDED_P50_MS + " ms", Boolean.parseBoolean(verdict[2]));
            }
        }

        private static double added(Samples direct, Samples through, double q) {
            return through.millis(q) - direct.millis(q);
        }

        void waterfallHop() {
            line("## 4. Cost of one waterfall hop");
            line("");
            line("Both through 429chain: chain `hop` = `limited/x, fast/y`, whose first step answers 429 at once with `retry-after-ms: 0` "
                    + "(so it cools down for no time and is tried by every request: `X-429chain-Attempts: 2` is checked on every answer), "
                    + "vs chain `direct` = `fast/y`.");
            line("");
            line("| c | `direct` p50 / p99 ms | `hop` p50 / p99 ms | **added p50** | added p99 | 429chain CPU per request ms (both chains) | other processes' CPU | requests direct / hop | errors direct / hop |");
            line("|---:|---|---|---:|---:|---:|---:|---|---|");
            double added16 = Double.NaN;
            long errors16 = 0;
            for (int c : new int[] {1, 16}) {
                progress("measuring the waterfall hop at c=" + c + "...");
                JsonResult d = new JsonResult();
                JsonResult h = new JsonResult();
                CpuMeter.Snapshot before = cpu.snapshot(false);
                alternate("hop c=" + c, "chain direct", () -> client.closedLoop(through, chat("direct", false), c, settleMillis, sliceMillis,
                                servedBy("fast/y", "1")),
                        "chain hop", () -> client.closedLoop(through, chat("hop", false), c, settleMillis, sliceMillis, servedBy("fast/y", "2")),
                        d::merge, h::merge);
                CpuMeter.Usage used = cpu.since(before, false);
                othersShares.add(used.othersShare());
                double added = h.latency.millis(0.50) - d.latency.millis(0.50);
                line(String.format(Locale.ROOT, "| %d | %s / %s | %s / %s | **%s** | %s | %s | %s | %d / %d | %s / %s |", c,
                        ms(d.latency.millis(0.50)), ms(d.latency.millis(0.99)), ms(h.latency.millis(0.50)), ms(h.latency.millis(0.99)),
                        ms(added), ms(h.latency.millis(0.99) - d.latency.millis(0.99)),
                        perRequest(used.gatewaySeconds(), d.answered.get() + h.answered.get()), percent(used.othersShare()),
                        d.latency.count(), h.latency.count(), d.errors, h.errors));
                if (c == 16) {
                    added16 = added;
                    errors16 = h.errors.count() + d.errors.count();
                }
                if (c == 1) {
                    target("waterfall hop added p50 at c=1", ms(added) + " ms", "≤ " + TARGET_HOP_ADDED_P50_MS + " ms",
                            added <= TARGET_HOP_ADDED_P50_MS && h.errors.count() == 0);
                }
            }
            target("waterfall hop added p50 at c=16", ms(added16) + " ms", "≤ " + TARGET_HOP_ADDED_P50_MS + " ms",
                    added16 <= TARGET_HOP_ADDED_P50_MS && errors16 == 0);
            line("");
        }

        /**
         * Closes 429chain's pooled connections to the simulator (the load client's own closed at the end of each phase),
         * then has 429chain collect its garbage: what is left in its heap is what it keeps for good. -1 when unavailable.
         */
        private long liveHeapWithoutConnections() throws InterruptedException {
            simulator.closeAllConnections();
            Thread.sleep(1000);
            return gateway.fullGc() ? PerfCounters.heap(perf.read())[0] : -1;
        }

        void manyStreams() throws InterruptedException {
            // the live heap before the rounds, to compare with the live heap after them
            long liveBefore = liveHeapWithoutConnections();
            long baseline = gateway.rssKiB();
            int baselineThreads = gateway.threads();
            line("## 5. Memory: " + String.format(Locale.ROOT, "%,d", streams) + " concurrent open streams, " + rounds + " rounds");
            line("");
            line(String.format(Locale.ROOT, "Each round opens %,d streams through 429chain (chain `long` = %d events %d ms apart, %.1f s each), "
                            + "in batches of 100 every 100 ms, holds them all open at once and reads each to its `data: [DONE]`: the simulator "
                            + "keeps every stream's last event until all of them are open (at most " + HOLD_MILLIS / 1000 + " s), so they overlap "
                            + "however slowly they start. "
                            + "RSS = VmRSS of the 429chain process from /proc/<pid>/status, sampled every 50 ms; "
                            + "\"after\" = " + AFTER_ROUND_MILLIS / 1000.0 + " s after the round's last stream ended.",
                    streams, longEvents, longIntervalMillis, longEvents * longIntervalMillis / 1000.0));
            line("");
            line(String.format(Locale.ROOT, "Baseline RSS before the first round (after the measurements above and a full GC): **%s MiB** (%d threads).",
                    mib(baseline), baselineThreads));
            line("");
            line("| round | open at once | all open after s | complete streams | errors | TTFT p50 / p99 ms | event delivery p50 / p99 ms | peak RSS MiB | RSS after MiB | heap used / committed after MiB | threads after | 429chain CPU s | other processes' CPU |");
            line("|---:|---:|---:|---:|---|---|---|---:|---:|---|---:|---:|---:|");
            long[] peaks = new long[rounds];
            long[] afters = new long[rounds];
            long[] heapCommitted = new long[rounds];
            long totalErrors = 0;
            int worstOpen = Integer.MAX_VALUE;
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "rss-sampler");
                thread.setDaemon(true);
                return thread;
            });
            try {
                for (int round = 0; round < rounds; round++) {
                    progress(String.format(Locale.ROOT, "round %d/%d: %,d streams...", round + 1, rounds, streams));
                    AtomicLong peak = new AtomicLong(gateway.rssKiB());
                    CpuMeter.Snapshot before = cpu.snapshot(false);
                    var sampling = sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(gateway.rssKiB(), Math::max), 0, 50, TimeUnit.MILLISECONDS);
                    // the streams' last events wait until all of them are open (or HOLD_MILLIS passed), so they overlap
                    simulator.holdLastEvents(true);
                    var release = sampler.schedule(() -> simulator.holdLastEvents(false), HOLD_MILLIS, TimeUnit.MILLISECONDS);
                    HoldResult held = client.hold(through, chat("long", true), streams, longEvents, 100, 100,
                            (long) longEvents * longIntervalMillis + HOLD_MILLIS + 60_000, servedBy("fast/" + longStreamModel(), "1"),
                            () -> simulator.holdLastEvents(false));
                    release.cancel(false);
                    simulator.holdLastEvents(false);
                    sampling.cancel(false);
                    CpuMeter.Usage used = cpu.since(before, false);
                    othersShares.add(used.othersShare());
                    alive();
                    Thread.sleep(AFTER_ROUND_MILLIS);
                    peaks[round] = peak.get();
                    afters[round] = gateway.rssKiB();
                    long[] heap = PerfCounters.heap(perf.read());
                    heapCommitted[round] = heap[1];
                    totalErrors += held.errors.count();
                    failedRequests.note("memory round " + (round + 1), held);
                    worstOpen = Math.min(worstOpen, held.maxOpen.get());
                    line(String.format(Locale.ROOT, "| %d | %,d | %s | %,d | %s | %s / %s | %s / %s | %s | %s | %s / %s | %d | %.1f | %s |", round + 1,
                            held.maxOpen.get(), Double.isNaN(held.secondsToAllOpen()) ? "never" : String.format(Locale.ROOT, "%.1f", held.secondsToAllOpen()),
                            held.completeStreams.get(), held.errors,
                            ms(held.timeToFirstToken.millis(0.50)), ms(held.timeToFirstToken.millis(0.99)),
                            ms(held.eventDelivery.millis(0.50)), ms(held.eventDelivery.millis(0.99)),
                            mib(peaks[round]), mib(afters[round]), mib(heap[0] < 0 ? -1 : heap[0] / 1024), mib(heap[1] < 0 ? -1 : heap[1] / 1024),
                            gateway.threads(), used.gatewaySeconds(), percent(used.othersShare())));
                }
            } finally {
                sampler.shutdownNow();
            }
            line("");
            long maxPeak = 0;
            for (long p : peaks) {
                maxPeak = Math.max(maxPeak, p);
            }
            int ref = rounds > 1 ? 1 : 0;
            double afterGrowth = (double) afters[rounds - 1] / afters[ref] - 1;
            double peakGrowth = (double) peaks[rounds - 1] / peaks[ref] - 1;
            line(String.format(Locale.ROOT, "Peak RSS of any round: **%s MiB** (VmHWM %s MiB). Round %d vs round %d: RSS after %+.1f %%, peak %+.1f %%; "
                            + "least-squares slope of RSS after, rounds %d–%d: %+.1f MiB/round. (Round 1 is left out of the comparison: "
                            + "429chain's worker threads, JIT and heap sizing settle in it.)",
                    mib(maxPeak), mib(gateway.peakRssKiB()), rounds, ref + 1, afterGrowth * 100, peakGrowth * 100, ref + 1, rounds,
                    slopeMiB(afters, ref)));
            String context = "";
            if (rounds >= 4) {
                int mid = rounds / 2;
                double lateGrowth = (double) afters[rounds - 1] / afters[mid - 1] - 1;
                context += String.format(Locale.ROOT, "; round %d vs %d: %+.1f %%", rounds, mid, lateGrowth * 100);
                double rssGrowthMiB = (afters[rounds - 1] - afters[ref]) / 1024.0;
                double heapGrowthMiB = heapCommitted[ref] < 0 ? Double.NaN : (heapCommitted[rounds - 1] - heapCommitted[ref]) / 1024.0 / 1024.0;
                line("");
                line(String.format(Locale.ROOT, "Second half (round %d vs round %d): RSS after %+.1f %%, slope %+.1f MiB/round. "
                                + "From round %d to round %d RSS after grew %+.0f MiB while the Java heap 429chain has committed grew %+.0f MiB "
                                + "(G1 grows the committed heap towards -Xmx%s under load and rarely gives it back).",
                        rounds, mid, lateGrowth * 100, slopeMiB(afters, mid - 1), ref + 1, rounds, rssGrowthMiB, heapGrowthMiB, gatewayXmx));
            }
            long liveAfter = liveHeapWithoutConnections();
            if (liveBefore > 0 && liveAfter > 0) {
                context += String.format(Locale.ROOT, "; live heap %+.0f MiB", (liveAfter - liveBefore) / 1048576.0);
                line("");
                line(String.format(Locale.ROOT, "Live Java heap of 429chain (in use right after a full GC, `jcmd <pid> GC.run`, with every "
                                + "client and upstream connection closed first): %.0f MiB before the first round, "
                                + "%.0f MiB after the last one (%+.1f MiB): %s", liveBefore / 1048576.0, liveAfter / 1048576.0,
                        (liveAfter - liveBefore) / 1048576.0,
                        liveAfter - liveBefore < 16L * 1048576 ? "the rounds left no live data of note behind (under 16 MiB)."
                                : "the rounds left live data behind — worth a heap dump."));
            }
            line("");
            boolean allOpen = worstOpen >= streams;
            target(String.format(Locale.ROOT, "%,d concurrent streams: all open at once, no errors", streams),
                    String.format(Locale.ROOT, "fewest open at once %,d; errors %d", worstOpen, totalErrors), "all open, 0 errors",
                    allOpen && totalErrors == 0);
            target(String.format(Locale.ROOT, "%,d concurrent streams: peak RSS", streams), mib(maxPeak) + " MiB", "≤ " + TARGET_RSS_MIB + " MiB",
                    maxPeak <= TARGET_RSS_MIB * 1024);
            target("no RSS growth across rounds", String.format(Locale.ROOT, "RSS after %+.1f %%, peak %+.1f %% (round %d vs %d)%s",
                    afterGrowth * 100, peakGrowth * 100, rounds, ref + 1, context),
                    "RSS after and peak of the last round ≤ +" + (int) (RSS_GROWTH_TOLERANCE * 100) + " % of round 2's",
                    afterGrowth <= RSS_GROWTH_TOLERANCE && peakGrowth <= RSS_GROWTH_TOLERANCE);
        }

        void soak() throws Exception {
            Soak.Plan plan = new Soak.Plan(soakRequests, soakModels, soakConcurrency, "soak", "soak/y", "soak", soakHeapGrowthMiB << 20);
            line(String.format(Locale.ROOT, "## 6. Soak: %,d requests, %,d model names clients made up", plan.requests(), plan.adHocModels()));
            line("");
            line(String.format(Locale.ROOT, "%,d clients in a closed loop send %,d requests through 429chain (`-Xmx%s`, as the container runs it): "
                            + "chain `soak` (`soak/y`; provider `soak` has limits, so its quota keys count requests and tokens in windows), and "
                            + "one request in %d names a step no chain lists, `soak/x1` … `soak/x%d`, every name twice, once in each half "
                            + "(429chain keeps `adHocModelsPerProvider`, 50, of them per provider and forgets the least recently used). Every answer "
                            + "is checked: 200, served by the step named, at the first attempt. At the start, between the halves and at the end, "
                            + "with nothing in flight, 429chain's pooled connections are closed, then `jcmd <pid> GC.run` and its heap in use read "
                            + "from its performance counters. The soak fails if any request failed or "
                            + "if that heap grew by more than %d MiB from start to end.",
                    plan.concurrency(), plan.requests(), gatewayXmx, plan.adHocEvery(), plan.adHocModels(), soakHeapGrowthMiB));
            line("");
            progress(String.format(Locale.ROOT, "soak: %,d requests, %,d ad-hoc model names, c=%d...", plan.requests(), plan.adHocModels(),
                    plan.concurrency()));
            CpuMeter.Snapshot before = cpu.snapshot(false);
            Soak.Outcome outcome = Soak.run(plan, client, through, new SoakGauge(simulator, gateway, Benchmark.this::progress), failedRequests);
            CpuMeter.Usage used = cpu.since(before, false);
            othersShares.add(used.othersShare());
            alive();
            outcome.table().forEach(Benchmark.this::line);
            line("");
            List<Pauses.Pause> pauses = Pauses.read(pauseLog());
            for (Soak.Part part : outcome.parts()) {
                Samples lengths = new Samples();
                pauses.stream().filter(p -> p.start() >= part.startNanos() && p.end() <= part.endNanos())
                        .forEach(p -> lengths.add(p.end() - p.start()));
                line(lengths.count() == 0 ? "429chain's stop-the-world pauses in the " + part.name() + ": none logged."
                        : String.format(Locale.ROOT, "429chain's stop-the-world pauses in the %s: %,d, %.0f ms in all, p50 %s ms, p99 %s ms, "
                                + "longest %s ms.", part.name(), lengths.count(), lengths.meanMillis() * lengths.count(), ms(lengths.millis(0.5)),
                        ms(lengths.millis(0.99)), ms(lengths.millis(1.0))));
            }
            line("");
            line(String.format(Locale.ROOT, "Soak time %.0f s; other processes used %s of the machine's CPU meanwhile.", used.seconds(),
                    percent(used.othersShare())));
            line("");
            line("> " + outcome.verdict());
            line("");
            summary.add(new String[] {String.format(Locale.ROOT, "soak: %,d requests, %,d ad-hoc names, heap after full GC start → end",
                    plan.requests(), plan.adHocModels()),
                    String.format(Locale.ROOT, "%+.1f MiB, %,d failed requests", outcome.heapGrowthMiB(), outcome.failedRequests()),
                    "≤ +" + soakHeapGrowthMiB + " MiB, 0 failed (the run fails otherwise)", outcome.passed() ? "passed" : "**FAILED**"});
            soak = outcome;
        }
    }

    private static double slopeMiB(long[] values, int from) {
        int n = values.length - from;
        if (n < 2) {
            return Double.NaN;
        }
        double mx = 0;
        double my = 0;
        for (int i = from; i < values.length; i++) {
            mx += i;
            my += values[i] / 1024.0;
        }
        mx /= n;
        my /= n;
        double num = 0;
        double den = 0;
        for (int i = from; i < values.length; i++) {
            num += (i - mx) * (values[i] / 1024.0 - my);
            den += (i - mx) * (i - mx);
        }
        return num / den;
    }

    // ------------------------------------------------------------------------------------------------ reporting

    private void header(GatewayProcess gateway, long openFiles, long idleRss) {
        line("# 429chain benchmark results");
        line("");
        line("Run " + OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME).replaceAll("\\.\\d+", ""));
        line("");
        line("| machine | |");
        line("|---|---|");
        line("| CPU | " + Runtime.getRuntime().availableProcessors() + " cores (" + cpuModel() + ") |");
        line("| memory | " + memTotal() + " |");
        line("| OS | " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch") + " |");
        line("| Java | " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.vendor") + ") |");
        line("| 429chain | `" + String.join(" ", gateway.command().subList(1, gateway.command().size())).replace(jar.toAbsolutePath().toString(), jar.toString())
                + "`, its own process (pid " + gateway.pid() + "), `CHAIN429_MAX_CONCURRENT_REQUESTS=" + maxConcurrentRequests
                + "`, its shipped logging, output to `" + out.resolve("429chain.log") + "` |");
        line("| simulator + load client | this JVM (" + Runtime.getRuntime().maxMemory() / (1024 * 1024)
                + " MiB max heap): Vert.x " + io.vertx.core.impl.launcher.commands.VersionCommand.getVersion()
                + ", 2 event loops each, HTTP/1.1 keep-alive, all on 127.0.0.1 |");
        line("| open files limit | " + (openFiles > 0 ? String.valueOf(openFiles) : "unknown") + " |");
        line("| 429chain RSS when idle after start | " + mib(idleRss) + " MiB |");
        line("| load average at start (1 / 5 / 15 min) | " + loadAverage() + " |");
        line("");
    }

    private static long logLines(Path log) {
        try (var lines = Files.lines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            return lines.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private void footer(GatewayProcess gateway) {
        line("## Failed requests");
        line("");
        line(failedRequests.report());
        line("");
        line("## Summary against the targets");
        line("");
        line("| | measured | target | |");
        line("|---|---|---|---|");
        for (String[] row : summary) {
            line("| " + row[0] + " | " + row[1] + " | " + row[2] + " | " + row[3] + " |");
        }
        line("");
        line(missed == 0 ? "All targets met." : "**" + missed + " target(s) missed** (marked MISSED above): the figures as measured; docs/benchmark.md says what stands in the way.");
        line("");
        double others = othersShares.stream().filter(d -> !Double.isNaN(d)).mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        line(String.format(Locale.ROOT, "Other processes on the machine used on average %s of its CPU during the measurements "
                + "(load average at the end: %s).", percent(others), loadAverage()));
        if (others > 0.10) {
            line("The machine was shared while this ran: every figure here is under that contention, and the THROUGH figures more than the "
                    + "DIRECT ones, since a request through 429chain wakes more threads in more processes (each wake-up waits for a free core). "
                    + "The run-queue wait columns show how long 429chain's threads waited for a CPU.");
        }
        long logLines = logLines(gateway.log());
        if (logLines == 0) {
            line("429chain wrote nothing at all to its output during this run (no start-up line, no request log): "
                    + "the figures do not include the cost of its request logging.");
        } else if (logLines > 0) {
            line(String.format(Locale.ROOT, "429chain wrote %,d log lines during this run (%s).", logLines, gateway.log()));
        }
        line("");
        line(String.format(Locale.ROOT, "Benchmark time: %.0f s.", (System.nanoTime() - started) / 1e9));
    }

    private void target(String what, String measured, String target, boolean met) {
        if (!met) {
            missed++;
        }
        summary.add(new String[] {what, measured, target, met ? "met" : "**MISSED**"});
        line("> " + (met ? "target met" : "**TARGET MISSED**") + " — " + what + ": " + measured + " (target " + target + ")");
        line("");
    }

    /** A console-only progress line: elapsed time and the machine's load average. */
    private void progress(String text) {
        System.out.printf(Locale.ROOT, "[%5.1f s, load %s] %s%n", (System.nanoTime() - started) / 1e9, loadAverage(), text);
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private void line(String text) {
        report.append(text).append('\n');
        System.out.println(text);
    }

    private static String perRequest(double seconds, long requests) {
        return requests == 0 || Double.isNaN(seconds) ? "n/a" : String.format(Locale.ROOT, "%.3f", seconds * 1000 / requests);
    }

    private static String percent(double share) {
        return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.0f %%", share * 100);
    }

    private static String four(Samples s) {
        return ms(s.millis(0.50)) + " / " + ms(s.millis(0.90)) + " / " + ms(s.millis(0.99)) + " / " + ms(s.millis(0.999));
    }

    private static String ms(double millis) {
        return Double.isNaN(millis) ? "n/a" : String.format(Locale.ROOT, "%.3f", millis);
    }

    private static String mib(long kib) {
        return kib < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", kib / 1024.0);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown model");
        } catch (IOException e) {
            return "unknown model";
        }
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0))
                    .findFirst().orElse("unknown");
        } catch (IOException | NumberFormatException e) {
            return "unknown";
        }
    }

    /** The soft open-files limit of this process (429chain inherits it). */
    private static long maxOpenFiles() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
