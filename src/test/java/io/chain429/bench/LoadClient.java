package io.chain429.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The benchmark's load generator: a non-blocking Vert.x HTTP/1.1 client with keep-alive connections, driving
 * closed loops (each of {@code concurrency} virtual clients sends its next request as soon as its previous answer is
 * complete) and holding many streams open at once. Each run has connections of its own, and a closed loop ends
 * abruptly ({@link AbruptEnd}).
 */
final class LoadClient implements AutoCloseable {

    private static final String PATH = "/v1/chat/completions";
    /** A whole answer that takes longer than this is counted as an error. */
    private static final long ANSWER_TIMEOUT_MILLIS = 30_000;

    private final Vertx vertx;
    private final int maxConnectionsPerServer;

    LoadClient(int eventLoops, int maxConnectionsPerServer) {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1));
        this.maxConnectionsPerServer = maxConnectionsPerServer;
    }

    private HttpClient newClient() {
        return vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setPipelining(false)
                        .setKeepAliveTimeout(600).setConnectTimeout(10_000),
                new PoolOptions().setHttp1MaxSize(maxConnectionsPerServer).setMaxWaitQueueSize(-1));
    }

    /** Checks an answer: null when it is as expected, else what is wrong with it. */
    interface Check {
        String problem(int status, MultiMap headers);

        Check OK_200 = (status, headers) -> status == 200 ? null : "HTTP " + status;

        /** A 200 from 429chain that says it was served by {@code step} after {@code attempts} attempts. */
        static Check servedBy(String step, String attempts) {
            return (status, headers) -> {
                if (status != 200) {
                    return "HTTP " + status;
                }
                if (!step.equals(headers.get("X-429chain-Provider"))) {
                    return "served by " + headers.get("X-429chain-Provider") + ", expected " + step;
                }
                if (!attempts.equals(headers.get("X-429chain-Attempts"))) {
                    return "X-429chain-Attempts " + headers.get("X-429chain-Attempts") + ", expected " + attempts;
                }
                return null;
            };
        }
    }

    /** What went wrong, counted, with the first few examples. */
    static final class Errors {
        private final AtomicLong count = new AtomicLong();
        private final List<String> examples = new ArrayList<>();

        void add(String what) {
            count.incrementAndGet();
            synchronized (examples) {
                if (examples.size() < 5) {
                    examples.add(what);
                }
            }
        }

        void addAll(Errors other) {
            count.addAndGet(other.count.get());
            synchronized (other.examples) {
                other.examples.forEach(e -> {
                    synchronized (examples) {
                        if (examples.size() < 5) {
                            examples.add(e);
                        }
                    }
                });
            }
        }

        long count() {
            return count.get();
        }

        @Override
        public String toString() {
            synchronized (examples) {
                return count.get() == 0 ? "none" : count.get() + " (e.g. " + String.join("; ", examples) + ")";
            }
        }
    }

    /** What became of a run's requests: answered, failed, or left in flight when it ended. */
    abstract static class Tally {
        /** Requests that failed, whenever in the run: a wrong status or answer, a stream cut short, no answer. */
        final Errors errors = new Errors();
        /** Every answer received (failures included), in the window or not. */
        final AtomicLong answered = new AtomicLong();
        /** Requests in flight when the run's connections were closed: the client left, nothing failed. */
        final AtomicLong abandoned = new AtomicLong();

        void mergeTally(Tally other) {
            errors.addAll(other.errors);
            answered.addAndGet(other.answered.get());
            abandoned.addAndGet(other.abandoned.get());
        }
    }

    /** Whole-body requests: latencies of those started in the window, completions that ended in it. */
    static final class JsonResult extends Tally {
        final Samples latency = new Samples();
        /** When each of those requests was sent and answered, to lay the slowest next to 429chain's pauses. */
        final Timeline timeline = new Timeline();
        /** 429chain's own {@code X-429chain-Overhead-Ms}, when present. */
        final Samples selfReportedOverhead = new Samples();
        final AtomicLong completedInWindow = new AtomicLong();
        double windowSeconds;

        void merge(JsonResult other) {
            mergeTally(other);
            latency.addAll(other.latency);
            timeline.addAll(other.timeline);
            selfReportedOverhead.addAll(other.selfReportedOverhead);
            completedInWindow.addAndGet(other.completedInWindow.get());
            windowSeconds += other.windowSeconds;
        }

        double requestsPerSecond() {
            return completedInWindow.get() / windowSeconds;
        }
    }

    /** Streamed requests: time to the first content event, gaps between content events, whole-stream time. */
    static final class StreamResult extends Tally {
        final Samples timeToFirstToken = new Samples();
        final Samples interEventGap = new Samples();
        /** From the simulator writing an event to the client reading it. */
        final Samples eventDelivery = new Samples();
        final Samples wholeStream = new Samples();
        final AtomicLong completedInWindow = new AtomicLong();
        double windowSeconds;

        void merge(StreamResult other) {
            mergeTally(other);
            timeToFirstToken.addAll(other.timeToFirstToken);
            interEventGap.addAll(other.interEventGap);
            eventDelivery.addAll(other.eventDelivery);
            wholeStream.addAll(other.wholeStream);
            completedInWindow.addAndGet(other.completedInWindow.get());
            windowSeconds += other.windowSeconds;
        }
    }

    /** Many streams opened together and held to their end. */
    static final class HoldResult extends Tally {
        final int requested;
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger maxOpen = new AtomicInteger();
        final AtomicInteger completeStreams = new AtomicInteger();
        final Samples timeToFirstToken = new Samples();
        final Samples interEventGap = new Samples();
        final Samples eventDelivery = new Samples();
        final long startedNanos = System.nanoTime();
        volatile long allOpenAtNanos;
        final CountDownLatch ended;
        final Runnable whenAllOpen;

        HoldResult(int requested, Runnable whenAllOpen) {
            this.requested = requested;
            this.ended = new CountDownLatch(requested);
            this.whenAllOpen = whenAllOpen;
        }

        /** Seconds from the first request to every stream open at once; NaN when that never happened. */
        double secondsToAllOpen() {
            return allOpenAtNanos == 0 ? Double.NaN : (allOpenAtNanos - startedNanos) / 1e9;
        }
    }

    private RequestOptions post(int port) {
        return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(PATH)
                .putHeader("Content-Type", "application/json").setConnectTimeout(20_000).setIdleTimeout(60_000);
    }

    /**
     * Runs a closed loop of whole-body requests, then ends it abruptly; blocks until every virtual client has stopped.
     * Requests sent in the {@code measureMillis} after {@code settleMillis} are measured; every request is checked.
     */
    JsonResult closedLoop(int port, Buffer body, int concurrency, long settleMillis, long measureMillis, Check check) {
        JsonResult result = new JsonResult();
        long start = System.nanoTime();
        long from = start + TimeUnit.MILLISECONDS.toNanos(settleMillis);
        long to = from + TimeUnit.MILLISECONDS.toNanos(measureMillis);
        result.windowSeconds = measureMillis / 1000.0;
        AbruptEnd phase = new AbruptEnd(newClient(), to);
        CountDownLatch stopped = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            // each virtual client starts on a Vert.x context: started from a plain thread, a few never got an answer
            vertx.runOnContext(v -> nextJson(phase, port, body, check, result, from, to, stopped));
        }
        if (!awaitLatch(stopped, measureMillis + settleMillis + 2 * ANSWER_TIMEOUT_MILLIS)) {
            result.errors.add(stopped.getCount() + " client(s) still waiting for an answer long after the end");
        }
        phase.close();
        return result;
    }

    private void nextJson(AbruptEnd phase, int port, Buffer body, Check check, JsonResult result, long from, long to,
                          CountDownLatch stopped) {
        if (phase.over()) {
            stopped.countDown();
            return;
        }
        long t0 = phase.sending();
        // a safety net: an answer that never comes is an error, and this virtual client goes on
        AtomicBoolean over = new AtomicBoolean();
        long watchdog = vertx.setTimer(ANSWER_TIMEOUT_MILLIS, id -> {
            if (over.compareAndSet(false, true)) {
                phase.answered(t0);
                result.errors.add("no answer within " + ANSWER_TIMEOUT_MILLIS + " ms");
                nextJson(phase, port, body, check, result, from, to, stopped);
            }
        });
        phase.http().request(post(port))
                .compose(request -> {
                    request.end(body).onSuccess(written -> phase.written(t0));
                    return request.response();
                })
                .compose(response -> response.body().map(b -> new Answer(response, b)))
                .onComplete(done -> {
                    long t1 = System.nanoTime();
                    if (!over.compareAndSet(false, true)) {
                        return;
                    }
                    vertx.cancelTimer(watchdog);
                    phase.answered(t0);
                    boolean recorded = t0 >= from && t0 < to;
                    if (done.failed()) {
                        if (phase.over()) {
                            result.abandoned.incrementAndGet();
                        } else {
                            result.answered.incrementAndGet();
                            result.errors.add(String.valueOf(done.cause()));
                        }
                    } else {
                        result.answered.incrementAndGet();
                        HttpClientResponse response = done.result().response();
                        String problem = check.problem(response.statusCode(), response.headers());
                        if (problem != null) {
                            result.errors.add(problem + ErrorBody.summary(response.statusCode(), done.result().body()));
                        } else {
                            if (recorded) {
                                result.latency.add(t1 - t0);
                                result.timeline.add(t0, t1);
                                String overhead = response.getHeader("X-429chain-Overhead-Ms");
                                if (overhead != null) {
                                    result.selfReportedOverhead.add((long) (Double.parseDouble(overhead) * 1e6));
                                }
                            }
                            if (t1 >= from && t1 < to) {
                                result.completedInWindow.incrementAndGet();
                            }
                        }
                    }
                    nextJson(phase, port, body, check, result, from, to, stopped);
                });
    }

    private record Answer(HttpClientResponse response, Buffer body) {
    }

    /**
     * Sends exactly {@code count} whole-body requests, numbered {@code first} onwards, from {@code concurrency} virtual
     * clients in a closed loop: request n carries {@code body.apply(n)} and its answer must pass {@code check.apply(n)}.
     * Blocks until every one has its answer, so nothing is left in flight, then closes its connections. Every latency
     * is recorded, and the throughput is over the whole run.
     */
    JsonResult closedLoopCounted(int port, long first, long count, int concurrency, LongFunction<Buffer> body,
                                 LongFunction<Check> check) {
        JsonResult result = new JsonResult();
        AbruptEnd phase = new AbruptEnd(newClient(), Long.MAX_VALUE);
        AtomicLong next = new AtomicLong(first);
        long end = first + count;
        CountDownLatch stopped = new CountDownLatch(concurrency);
        long start = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            vertx.runOnContext(v -> nextCounted(phase, port, next, end, body, check, result, stopped));
        }
        // each request has its own watchdog, so every virtual client gets to the end
        awaitLatch(stopped, Long.MAX_VALUE);
        result.windowSeconds = (System.nanoTime() - start) / 1e9;
        phase.close();
        return result;
    }

    private void nextCounted(AbruptEnd phase, int port, AtomicLong next, long end, LongFunction<Buffer> body,
                             LongFunction<Check> check, JsonResult result, CountDownLatch stopped) {
        long n = next.getAndIncrement();
        if (n >= end) {
            stopped.countDown();
            return;
        }
        long t0 = System.nanoTime();
        AtomicBoolean over = new AtomicBoolean();
        long watchdog = vertx.setTimer(ANSWER_TIMEOUT_MILLIS, id -> {
            if (over.compareAndSet(false, true)) {
                result.errors.add("no answer within " + ANSWER_TIMEOUT_MILLIS + " ms");
                nextCounted(phase, port, next, end, body, check, result, stopped);
            }
        });
        phase.http().request(post(port))
                .compose(request -> request.send(body.apply(n)))
                .compose(response -> response.body().map(b -> new Answer(response, b)))
                .onComplete(done -> {
                    long t1 = System.nanoTime();
                    if (!over.compareAndSet(false, true)) {
                        return;
                    }
                    vertx.cancelTimer(watchdog);
                    result.answered.incrementAndGet();
                    if (done.failed()) {
                        result.errors.add(String.valueOf(done.cause()));
                    } else {
                        HttpClientResponse response = done.result().response();
                        String problem = check.apply(n).problem(response.statusCode(), response.headers());
                        if (problem != null) {
                            result.errors.add(problem + ErrorBody.summary(response.statusCode(), done.result().body()));
                        } else {
                            result.latency.add(t1 - t0);
                            result.completedInWindow.incrementAndGet();
                        }
                    }
                    nextCounted(phase, port, next, end, body, check, result, stopped);
                });
    }

    /**
     * Runs a closed loop of streamed requests, each expected to bring {@code expectedEvents} content events, then ends
     * it abruptly, like {@link #closedLoop}.
     */
    StreamResult closedLoopStreams(int port, Buffer body, int concurrency, long settleMillis, long measureMillis,
                                   int expectedEvents, Check check) {
        StreamResult result = new StreamResult();
        long start = System.nanoTime();
        long from = start + TimeUnit.MILLISECONDS.toNanos(settleMillis);
        long to = from + TimeUnit.MILLISECONDS.toNanos(measureMillis);
        result.windowSeconds = measureMillis / 1000.0;
        AbruptEnd phase = new AbruptEnd(newClient(), to);
        CountDownLatch stopped = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            vertx.runOnContext(v -> nextStream(phase, port, body, expectedEvents, check, result, from, to, stopped));
        }
        if (!awaitLatch(stopped, measureMillis + settleMillis + 2 * ANSWER_TIMEOUT_MILLIS)) {
            result.errors.add(stopped.getCount() + " client(s) still waiting for a stream long after the end");
        }
        phase.close();
        return result;
    }

    private void nextStream(AbruptEnd phase, int port, Buffer body, int expectedEvents, Check check, StreamResult result,
                            long from, long to, CountDownLatch stopped) {
        if (phase.over()) {
            stopped.countDown();
            return;
        }
        long t0 = phase.sending();
        boolean recorded = t0 >= from && t0 < to;
        openStream(phase, t0, port, body, expectedEvents, ANSWER_TIMEOUT_MILLIS, check, new StreamListener() {
            @Override
            public void headers() {
            }

            @Override
            public void left() {
                result.abandoned.incrementAndGet();
                nextStream(phase, port, body, expectedEvents, check, result, from, to, stopped);
            }

            @Override
            public void ended(SseReader reader, String problem) {
                long t1 = System.nanoTime();
                result.answered.incrementAndGet();
                if (problem != null) {
                    result.errors.add(problem);
                } else if (recorded) {
                    result.timeToFirstToken.add(reader.firstContentNanos - t0);
                    result.wholeStream.add(t1 - t0);
                    reader.gaps.forEach(result.interEventGap::add);
                    reader.deliveries.forEach(result.eventDelivery::add);
                }
                if (problem == null && t1 >= from && t1 < to) {
                    result.completedInWindow.incrementAndGet();
                }
                nextStream(phase, port, body, expectedEvents, check, result, from, to, stopped);
            }
        });
    }

    /**
     * Opens {@code count} streams in batches of {@code batch} every {@code pauseMillis} (so the accept queues are
     * not flooded), then waits until every one of them has ended or {@code timeoutMillis} passed. {@code whenAllOpen}
     * runs (on an event loop) the moment all of them are open at once. Every stream is read to its end (what is
     * measured is them all open together), so this run has no abrupt end: its connections close once they are idle.
     */
    HoldResult hold(int port, Buffer body, int count, int expectedEvents, int batch, long pauseMillis, long timeoutMillis,
                    Check check, Runnable whenAllOpen) {
        HoldResult result = new HoldResult(count, whenAllOpen);
        AbruptEnd phase = new AbruptEnd(newClient(), Long.MAX_VALUE);
        for (int opened = 0; opened < count; opened += batch) {
            for (int i = opened; i < Math.min(count, opened + batch); i++) {
                // requests start on a Vert.x context: started from a plain thread, a few never got an answer
                vertx.runOnContext(v -> holdOne(phase, result, port, body, expectedEvents, timeoutMillis, check));
            }
            sleep(pauseMillis);
        }
        if (!awaitLatch(result.ended, timeoutMillis + 10_000)) {
            result.errors.add(result.ended.getCount() + " stream(s) had not ended after " + timeoutMillis + " ms");
        }
        phase.close();
        return result;
    }

    private void holdOne(AbruptEnd phase, HoldResult result, int port, Buffer body, int expectedEvents, long timeoutMillis,
                         Check check) {
        long t0 = phase.sending();
        openStream(phase, t0, port, body, expectedEvents, timeoutMillis, check, new StreamListener() {
            @Override
            public void headers() {
                int now = result.open.incrementAndGet();
                result.maxOpen.accumulateAndGet(now, Math::max);
                if (now == result.requested) {
                    result.allOpenAtNanos = System.nanoTime();
                    result.whenAllOpen.run();
                }
            }

            @Override
            public void left() {
                result.abandoned.incrementAndGet();
                result.ended.countDown();
            }

            @Override
            public void ended(SseReader reader, String problem) {
                if (reader.headersSeen) {
                    result.open.decrementAndGet();
                }
                result.answered.incrementAndGet();
                if (problem != null) {
                    result.errors.add(problem);
                } else {
                    result.completeStreams.incrementAndGet();
                    result.timeToFirstToken.add(reader.firstContentNanos - t0);
                    reader.gaps.forEach(result.interEventGap::add);
                    reader.deliveries.forEach(result.eventDelivery::add);
                }
                result.ended.countDown();
            }
        });
    }

    private interface StreamListener {
        /** A 200 with the expected headers arrived. */
        void headers();

        /** The stream was cut short by the end of its run: the client left it (see {@link AbruptEnd}). */
        void left();

        /** The stream ended; problem is null when it was whole (every event, then [DONE]). */
        void ended(SseReader reader, String problem);
    }

    private void openStream(AbruptEnd phase, long sentNanos, int port, Buffer body, int expectedEvents, long timeoutMillis,
                            Check check, StreamListener listener) {
        SseReader reader = new SseReader();
        long[] watchdogs = {-1};
        AtomicInteger finished = new AtomicInteger();
        // cut: no whole answer came (no response, or a body that stopped early); a whole one is judged as it is
        java.util.function.BiConsumer<String, Boolean> end = (problem, cut) -> {
            if (finished.compareAndSet(0, 1)) {
                vertx.cancelTimer(watchdogs[0]);
                phase.answered(sentNanos);
                String verdict = problem;
                if (verdict == null && !reader.done) {
                    verdict = "stream ended without data: [DONE]";
                    cut = true;
                }
                if (cut && phase.over()) {
                    listener.left();
                    return;
                }
                if (verdict == null && reader.contentEvents != expectedEvents) {
                    verdict = "stream brought " + reader.contentEvents + " content events, expected " + expectedEvents;
                }
                if (verdict == null && reader.errorEvent != null) {
                    verdict = "error event: " + reader.errorEvent;
                }
                listener.ended(reader, verdict);
            }
        };
        watchdogs[0] = vertx.setTimer(timeoutMillis, id -> end.accept("stream not finished within " + timeoutMillis + " ms", false));
        Future<HttpClientResponse> sent = phase.http().request(post(port)).compose(request -> {
            request.end(body).onSuccess(written -> phase.written(sentNanos));
            return request.response();
        });
        sent.onFailure(e -> end.accept(String.valueOf(e), true));
        sent.onSuccess(response -> {
            String problem = check.problem(response.statusCode(), response.headers());
            if (problem != null) {
                response.body().onComplete(read -> end.accept(problem + ErrorBody.summary(response.statusCode(),
                        read.succeeded() ? read.result() : null), false));
                return;
            }
            reader.headersSeen = true;
            listener.headers();
            response.handler(buffer -> reader.feed(buffer, System.nanoTime()));
            response.exceptionHandler(e -> end.accept(String.valueOf(e), true));
            response.endHandler(v -> end.accept(null, false));
        });
    }

    /** Splits a Server-Sent Events body into events as bytes arrive, noting when each content event came. */
    static final class SseReader {
        boolean headersSeen;
        boolean done;
        int contentEvents;
        String errorEvent;
        long firstContentNanos = -1;
        long lastContentNanos = -1;
        final List<Long> gaps = new ArrayList<>();
        final List<Long> deliveries = new ArrayList<>();
        private final StringBuilder pending = new StringBuilder();

        void feed(Buffer buffer, long now) {
            pending.append(buffer.toString(StandardCharsets.UTF_8));
            int end;
            while ((end = pending.indexOf("\n\n")) >= 0) {
                String event = pending.substring(0, end);
                pending.delete(0, end + 2);
                for (String line : event.split("\n")) {
                    if (line.startsWith("data:")) {
                        onData(line.substring(5).trim(), now);
                    }
                }
            }
        }

        private void onData(String data, long now) {
            if (data.equals("[DONE]")) {
                done = true;
                return;
            }
            if (data.contains("\"error\"")) {
                errorEvent = data.length() > 200 ? data.substring(0, 200) : data;
                return;
            }
            if (data.contains("\"content\":\"")) {
                contentEvents++;
                if (firstContentNanos < 0) {
                    firstContentNanos = now;
                } else {
                    gaps.add(now - lastContentNanos);
                }
                lastContentNanos = now;
                int at = data.indexOf('@');
                if (at > 0) {
                    int end = at + 1;
                    while (end < data.length() && Character.isDigit(data.charAt(end))) {
                        end++;
                    }
                    if (end > at + 1) {
                        deliveries.add(now - Long.parseLong(data.substring(at + 1, end)));
                    }
                }
            }
        }
    }

    private static boolean awaitLatch(CountDownLatch latch, long millis) {
        try {
            return latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        vertx.close();
    }
}
