package io.chain429.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.config.RuntimeSettings;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestLogFileTest {

    @Test
    void rotatesAtTheSizeLimitKeepingTheNewestLinesInThatManyFiles(@TempDir Path dir) throws Exception {
        RequestLogFile log = new RequestLogFile(dir, new RuntimeSettings.RequestLog(1_000, 3, false));
        log.start();
        List<String> written = IntStream.range(0, 100).mapToObj(RequestLogFileTest::line).toList();
        written.forEach(line -> log.append(() -> line));
        log.stop();

        assertThat(files(dir)).containsExactlyInAnyOrder("requests.log", "requests.log.1", "requests.log.2");
        List<String> kept = new ArrayList<>();
        for (String name : List.of("requests.log.2", "requests.log.1", "requests.log")) {
            assertThat(Files.size(dir.resolve(name))).as(name).isLessThanOrEqualTo(1_000);
            kept.addAll(Files.readAllLines(dir.resolve(name)));
        }
        assertThat(kept).as("the newest lines, in order, none cut").hasSizeGreaterThan(20)
                .isEqualTo(written.subList(written.size() - kept.size(), written.size()));
        assertThat(log.dropped()).isZero();
    }

    @Test
    void oneFileMeansStartingAfreshAtTheLimit(@TempDir Path dir) throws Exception {
        RequestLogFile log = new RequestLogFile(dir, new RuntimeSettings.RequestLog(1_000, 1, false));
        log.start();
        IntStream.range(0, 100).mapToObj(RequestLogFileTest::line).forEach(line -> log.append(() -> line));
        log.stop();

        assertThat(files(dir)).containsExactly("requests.log");
        assertThat(Files.readAllLines(dir.resolve("requests.log"))).last().isEqualTo(line(99));
    }

    @Test
    void aRestartAppendsAndAFileAlreadyOverTheLimitIsRotatedFirst(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("requests.log"), "x".repeat(2_000) + "\n");
        RequestLogFile log = new RequestLogFile(dir, new RuntimeSettings.RequestLog(1_000, 2, false));
        log.start();
        log.append(() -> line(1));
        log.stop();

        assertThat(Files.readAllLines(dir.resolve("requests.log"))).containsExactly(line(1));
        assertThat(Files.readString(dir.resolve("requests.log.1"))).startsWith("xxx");
    }

    /** A request only queues its line: rendering it (JSON, redaction) is the writer thread's work. */
    @Test
    void linesAreRenderedOnTheWriterThread(@TempDir Path dir) throws Exception {
        RequestLogFile log = new RequestLogFile(dir, RuntimeSettings.RequestLog.DEFAULT);
        log.start();
        log.append(() -> "rendered by " + Thread.currentThread().getName());
        log.stop();

        assertThat(Files.readString(dir.resolve("requests.log"))).isEqualTo("rendered by 429chain-request-log\n");
    }

    @Test
    void aKeyShapedValueIsMaskedLikeOnTheConsole(@TempDir Path dir) throws Exception {
        RequestLogFile log = new RequestLogFile(dir, RuntimeSettings.RequestLog.DEFAULT);
        log.start();
        log.append(() -> "{\"chain\":\"sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56\"}");
        log.stop();

        assertThat(Files.readString(dir.resolve("requests.log"))).isEqualTo("{\"chain\":\"sk-****Op56\"}\n");
    }

    /**
     * The file is a FIFO nobody reads: the writer thread is stuck opening it, as on a hung disk. Requests must not
     * wait for it: appending returns at once, lines beyond the queue are dropped and counted. Once a reader appears,
     * the queued lines arrive.
     */
    @Test
    void aStuckDiskNeverHoldsTheRequestThread(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("requests.log");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        RequestLogFile log = new RequestLogFile(dir, RuntimeSettings.RequestLog.DEFAULT, 100);
        log.start();

        CompletableFuture<Void> appends = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 20_000; i++) {
                String line = line(i);
                log.append(() -> line);
            }
        });

        appends.get(1, TimeUnit.MINUTES); // all 20,000 returned: a request thread held by the stuck write never would
        // queued: what the stuck writer took before it got stuck, and what the queue holds since
        assertThat(log.dropped()).isGreaterThanOrEqualTo(20_000 - 2 * 100 - 1);

        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        log.stop();
        assertThat(reader.get().lines().toList()).as("every line not dropped").startsWith(line(0))
                .hasSize((int) (20_000 - log.dropped()));
    }

    private static String line(int n) {
        return "{\"n\":" + n + ",\"padding\":\"" + "p".repeat(40) + "\"}";
    }

    private static List<String> files(Path dir) throws Exception {
        try (var listing = Files.list(dir)) {
            return listing.map(p -> p.getFileName().toString()).toList();
        }
    }
}
