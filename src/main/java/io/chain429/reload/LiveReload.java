package io.chain429.reload;

import io.chain429.config.ConfigException;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what a batch of changed files means: {@code 429chain.yaml} or the routes folder edited → validate, then
 * apply; an invalid edit is refused with the file, line and field of the mistake, and the last valid configuration
 * keeps serving. {@code application.properties} is read at start-up only, which is said when it changes.
 */
public final class LiveReload {

    private static final Logger LOG = LoggerFactory.getLogger(LiveReload.class);

    private final Path configFile;
    private final Path propertiesFile;
    private final Path routesDir;
    private final ReloadValidator validator;
    private final ReloadApplier applier;
    private LiveConfig current;
    /** Whether the last edit was refused: the next one accepted says that the mistake is fixed. */
    private boolean refused;

    public LiveReload(Path configFile, Path propertiesFile, Path routesDir, ReloadValidator validator, ReloadApplier applier,
                      LiveConfig initial) {
        this.configFile = configFile;
        this.propertiesFile = propertiesFile;
        this.routesDir = routesDir;
        this.validator = validator;
        this.applier = applier;
        this.current = initial;
    }

    /** Whether a file's changes matter to 429chain (the watcher ignores the others). */
    public boolean watches(Path file) {
        return file.equals(configFile) || file.equals(propertiesFile)
                || file.getParent().equals(routesDir) && file.getFileName().toString().endsWith(".yaml");
    }

    /** The folders to watch. */
    public Set<Path> folders() {
        return Set.of(configFile.getParent(), routesDir);
    }

    /** @param changed files that changed, or a watched folder itself when its events were lost */
    public synchronized void changed(Set<Path> changed) {
        if (changed.contains(propertiesFile)) {
            LOG.warn("{} changed: its settings (ports, host, client keys, limits) apply on restart only", propertiesFile);
        }
        boolean configChanged = changed.contains(configFile) || changed.contains(configFile.getParent());
        boolean routesChanged = changed.stream().anyMatch(file -> file.startsWith(routesDir));
        if (!configChanged && !routesChanged) {
            return;
        }
        String edited = changed.stream().filter(file -> !file.equals(propertiesFile)).map(Path::toString)
                .sorted().collect(Collectors.joining(", "));
        LiveConfig next;
        try {
            next = validator.next(current, configChanged);
        } catch (ConfigException e) {
            LOG.error("live reload refused, the previous chains and providers keep serving. Edited: {}. Mistake: {}",
                    edited, e.getMessage());
            refused = true;
            return;
        }
        try {
            applier.apply(current, next);
        } catch (Exception e) {
            // validated but Camel would not take it: what was applied stays, the rest is retried on the next edit
            LOG.error("live reload of {} failed while applying it: {}", edited, e.toString(), e);
            return;
        }
        current = next;
        if (refused) {
            refused = false;
            LOG.info("live reload accepted {}: the mistake refused before is fixed, and the files as saved now are in force", edited);
        }
    }
}
