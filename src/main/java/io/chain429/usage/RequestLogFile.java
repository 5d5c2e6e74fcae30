package io.chain429.usage;

import io.chain429.config.RuntimeSettings;
import io.chain429.core.Redactor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request log, {@code <dataDir>/requests.log}: one line per request, written by its own thread so that a slow or
 * full disk never holds a request. {@link #append} only offers the line to a bounded queue; when the queue is full
 * the line is dropped and counted ({@link #dropped()}, and a warning) rather than making the request wait.
 *
 * <p>The writer drains the queue every {@value #DRAIN_EVERY_MILLIS} ms rather than being woken for each line: waking a
 * thread costs the request's event loop a system call, and on a busy core the
 * woken writer ran before the loop's next request. Lines reach the file that much later; stopping writes them all.
 *
 * <p>The file is rotated by size: when the next line would take it over the limit, {@code requests.log.N-1} is
 * deleted, each older file moves up one number and {@code requests.log} becomes {@code requests.log.1}, so at most
 * {@code files} files are kept. Lines go through {@link Redactor} on the writer thread, as every console line goes
 * through {@code log4j2.xml}'s redaction.
 *
 * <p>Its own writer rather than a Log4j appender: the file follows the resolved {@code CHAIN429_DATA_DIR} of each
 * gateway (tests run several in one JVM), with no global logging state to change at start-up.
 */
public final class RequestLogFile extends ServiceSupport {

    public static final String NAME = "requests.log";
    static final int QUEUE_CAPACITY = 10_000;
    static final long DRAIN_EVERY_MILLIS = 100;
    private static final int BATCH = 1_000;
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final long STOP_WAIT_SECONDS = 10;
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Logger LOG = LoggerFactory.getLogger(RequestLogFile.class);

    private final Path file;
    private final long maxFileBytes;
    private final int files;
    /** Lines still to be rendered: the writer thread renders them, so a request only pays for queuing its line. */
    private final BlockingQueue<Supplier<String>> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "429chain-request-log");
        thread.setDaemon(true);
        return thread;
    });

    // only touched on the writer thread
    private OutputStream out;
    private long size;
    private long droppedReported;
    private long lastWarningNanos;

    public RequestLogFile(Path dataDir, RuntimeSettings.RequestLog settings) {
        this(dataDir, settings, QUEUE_CAPACITY);
    }

    RequestLogFile(Path dataDir, RuntimeSettings.RequestLog settings, int queueCapacity) {
        this.file = dataDir.resolve(NAME);
        this.maxFileBytes = settings.maxFileBytes();
        this.files = settings.files();
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
    }

    public Path file() {
        return file;
    }

    /** Queues one line (without its line break), rendered later on the writer thread; never blocks, never wakes it. */
    public void append(Supplier<String> line) {
        // a request finishing after the log was closed has nobody to write its line
        if (isStoppingOrStopped() || !queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    /** Lines dropped because the writer could not keep up (or could not write). */
    public long dropped() {
        return dropped.get();
    }

    @Override
    protected void doStart() {
        writer.scheduleWithFixedDelay(this::drain, DRAIN_EVERY_MILLIS, DRAIN_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Writes every line queued so far, then closes the file; gives up after a while on a disk that does not move. */
    @Override
    protected void doStop() throws InterruptedException {
        writer.execute(() -> {
            drain();
            closeFile();
        });
        writer.shutdown();
        if (!writer.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
            writer.shutdownNow();
            LOG.warn("request log {}: the last lines were not written, the file did not accept them", file);
        }
    }

    /** Writes what is queued, in batches. */
    private void drain() {
        List<Supplier<String>> batch = new ArrayList<>();
        while (queue.drainTo(batch, BATCH) > 0) {
            write(batch);
            batch.clear();
        }
    }

    /** Writes a batch and flushes once. */
    private void write(List<Supplier<String>> lines) {
        try {
            for (Supplier<String> line : lines) {
                byte[] bytes = (Redactor.redact(line.get()) + "\n").getBytes(StandardCharsets.UTF_8);
                if (out == null) {
                    open();
                }
                if (size > 0 && size + bytes.length > maxFileBytes) {
                    rotate();
                    open();
                }
                out.write(bytes);
                size += bytes.length;
            }
            out.flush();
        } catch (IOException e) {
            dropped.addAndGet(lines.size()); // some may have been written; better counted twice than lost silently
            closeFile();
            warn("request log " + file + " cannot be written: " + e.getMessage());
        }
        long droppedNow = dropped.get();
        if (droppedNow > droppedReported
                && warn("request log: " + (droppedNow - droppedReported) + " line(s) dropped, " + file + " is not keeping up")) {
            droppedReported = droppedNow;
        }
    }

    private void open() throws IOException {
        Files.createDirectories(file.getParent());
        // buffered: a batch goes to the file in a few system calls at its flush, not one per line
        out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND), BUFFER_BYTES);
        size = Files.size(file);
    }

    private void rotate() throws IOException {
        closeFile();
        if (files == 1) {
            Files.delete(file);
            return;
        }
        Files.deleteIfExists(numbered(files - 1));
        for (int n = files - 2; n >= 1; n--) {
            if (Files.exists(numbered(n))) {
                Files.move(numbered(n), numbered(n + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
    }

    private Path numbered(int n) {
        return file.resolveSibling(NAME + "." + n);
    }

    private void closeFile() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.debug("request log not closed cleanly: {}", e.toString());
            }
            out = null;
        }
    }

    /** At most one warning a minute, so that a full disk does not flood the console; true when it was logged. */
    private boolean warn(String message) {
        long now = System.nanoTime();
        if (lastWarningNanos != 0 && now - lastWarningNanos < WARN_EVERY_NANOS) {
            return false;
        }
        lastWarningNanos = now;
        LOG.warn(message);
        return true;
    }
}
