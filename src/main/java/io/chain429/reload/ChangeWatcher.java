package io.chain429.reload;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches folders and reports which of their files changed (created, written or deleted), in batches: an editor's save
 * is often several events (write to a temporary file, rename, touch), and a batch is reported once the folders have
 * been quiet for {@link #QUIET}. Runs on its own daemon thread; the listener is called on that thread, one batch at a
 * time.
 */
public final class ChangeWatcher implements AutoCloseable {

    /** Long enough to gather one save's events, short enough that an edit applies well within 2 s. */
    static final long QUIET = 150;
    static final String THREAD_NAME = "429chain-live-reload";

    private static final Logger LOG = LoggerFactory.getLogger(ChangeWatcher.class);

    private final WatchService service;
    private final Map<WatchKey, Path> folders = new HashMap<>();
    private final Predicate<Path> relevant;
    private final Consumer<Set<Path>> listener;
    private final Thread thread;

    /**
     * @param relevant which files matter (the others' events are ignored)
     * @param listener gets each batch of changed files, as paths inside the watched folders
     */
    public ChangeWatcher(Set<Path> watched, Predicate<Path> relevant, Consumer<Set<Path>> listener) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.relevant = relevant;
        this.listener = listener;
        for (Path folder : watched) {
            folders.put(folder.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE), folder);
        }
        this.thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                Set<Path> changed = new LinkedHashSet<>();
                collect(service.take(), changed);
                // the rest of this save, and anything saved with it
                WatchKey more;
                while ((more = service.poll(QUIET, TimeUnit.MILLISECONDS)) != null) {
                    collect(more, changed);
                }
                if (!changed.isEmpty()) {
                    report(changed);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed: stop watching
        }
    }

    private void collect(WatchKey key, Set<Path> changed) {
        Path folder = folders.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                // events were lost: every file of the folder may have changed
                changed.add(folder);
            } else if (event.context() instanceof Path name && relevant.test(folder.resolve(name))) {
                changed.add(folder.resolve(name));
            }
        }
        key.reset();
    }

    /** A listener's failure must not stop the watching: the next edit deserves its chance. */
    private void report(Set<Path> changed) {
        try {
            listener.accept(Set.copyOf(changed));
        } catch (RuntimeException e) {
            LOG.error("live reload of {} failed: {}", changed, e.toString(), e);
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("closing the file watcher: {}", e.toString());
        }
        thread.interrupt();
    }
}
