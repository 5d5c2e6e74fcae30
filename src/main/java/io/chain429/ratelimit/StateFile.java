package io.chain429.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chain429.core.Json;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps provider state across restarts in one JSON file under the data folder. Plain JSON rather than an embedded
 * database: the state is small (a few entries per provider), read once at start-up and rewritten whole, and an
 * operator can read or delete it. Writes are atomic (a temporary file moved over the old one), happen off the request
 * path at most once per {@link #DEBOUNCE_MILLIS} after a change, and once more at shutdown. It is written once at
 * start-up too, so that a data folder that cannot take it is reported then — once, with the reason — and not at the
 * first change; {@link #problem()} says so while it lasts (for {@code /health}), and its recovery is logged.
 */
public final class StateFile extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(StateFile.class);
    static final String NAME = "provider-state.json";
    private static final long DEBOUNCE_MILLIS = 1000;

    private final Path file;
    private final Supplier<StateSnapshot> source;
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile String problem;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "429chain-state-writer");
        thread.setDaemon(true);
        return thread;
    });

    public StateFile(Path dataDir, Supplier<StateSnapshot> source) {
        this.file = dataDir.resolve(NAME);
        this.source = source;
    }

    /** The saved state, if a readable one exists. A corrupt file is moved aside and reported, never fatal. */
    public Optional<StateSnapshot> load() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(fromJson(Json.MAPPER.readTree(file.toFile())));
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(NAME + ".corrupt-" + System.currentTimeMillis());
            try {
                Files.move(file, aside);
            } catch (IOException moveFailed) {
                LOG.warn("cannot move the unreadable state file {} aside: {}", file, moveFailed.getMessage());
            }
            LOG.warn("provider state file {} is unreadable ({}); starting with fresh state, the file was kept as {}",
                    file, e.getClass().getSimpleName(), aside.getFileName());
            return Optional.empty();
        }
    }

    /** Notes a change; the write follows shortly on the writer thread. */
    public void changed() {
        if (pending.compareAndSet(false, true)) {
            writer.schedule(this::writeNow, DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    public Path file() {
        return file;
    }

    /** Why the state cannot be saved now; empty while it can. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** Writes the state at start-up: a folder that cannot take it is reported now. */
    @Override
    protected void doStart() {
        writeNow();
    }

    /** Writes the current state at once, when Camel stops (graceful shutdown). */
    @Override
    protected void doStop() {
        writer.shutdownNow();
        writeNow();
    }

    private synchronized void writeNow() {
        pending.set(false);
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(NAME + ".tmp");
            Files.write(temporary, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson(source.get())));
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
            if (problem != null) {
                LOG.info("provider state is saved to {} again", file);
                problem = null;
            }
        } catch (IOException e) {
            failed(e);
        }
    }

    /** Reported once, when saving starts failing; {@code /health} shows it until it works again. */
    private void failed(IOException e) {
        Path temporary = file.resolveSibling(NAME + ".tmp");
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
            // the folder refuses that too: the reason below says why
        }
        String why = why(e);
        if (problem == null) {
            LOG.warn("provider state cannot be saved to {}: {}. 429chain goes on serving, but cooldowns, disabled keys and"
                    + " today's counts will not survive a restart. Fix the folder (CHAIN429_DATA_DIR), or point CHAIN429_DATA_DIR"
                    + " at a writable one", file, why);
        }
        problem = why;
    }

    private String why(IOException e) {
        if (Files.isDirectory(file)) {
            return "a directory is in the file's place";
        }
        Path folder = file.getParent();
        if (folder != null && Files.isDirectory(folder) && !Files.isWritable(folder)) {
            return "the folder is not writable";
        }
        String message = e.getMessage() == null ? "" : ": " + e.getMessage().replace(String.valueOf(file.getParent()), "").trim();
        return e.getClass().getSimpleName() + message;
    }

    static ObjectNode toJson(StateSnapshot snapshot) {
        ObjectNode root = Json.object().put("version", 1).put("savedAt", snapshot.takenAt().toString());
        ArrayNode keys = root.putArray("keys");
        for (StateSnapshot.Key key : snapshot.keys()) {
            ObjectNode node = keys.addObject().put("provider", key.key().providerId()).put("bucket", key.key().bucket());
            key.cooldown().ifPresent(c -> node.putObject("cooldown").put("until", c.until().toString()).put("reason", c.reason()));
            ArrayNode observed = node.putArray("observed");
            for (LimitObservation o : key.observed()) {
                ObjectNode entry = observed.addObject()
                        .put("unit", o.dimension().unit().name())
                        .put("window", o.dimension().window().name())
                        .put("observedAt", o.observedAt().toString());
                o.limit().ifPresent(v -> entry.put("limit", v));
                o.remaining().ifPresent(v -> entry.put("remaining", v));
                o.resetAt().ifPresent(v -> entry.put("resetAt", v.toString()));
            }
            if (key.day() != null) {
                node.put("day", key.day().toString()).put("requestsToday", key.requestsToday()).put("tokensToday", key.tokensToday());
            }
        }
        ArrayNode disabled = root.putArray("disabled");
        snapshot.disabled().forEach(d -> disabled.addObject()
                .put("provider", d.providerId()).put("maskedKey", d.maskedKey()).put("reason", d.reason()));
        return root;
    }

    static StateSnapshot fromJson(JsonNode root) {
        if (root.path("version").asInt() != 1) {
            throw new IllegalArgumentException("unknown state file version");
        }
        List<StateSnapshot.Key> keys = new ArrayList<>();
        for (JsonNode node : root.path("keys")) {
            QuotaKey key = new QuotaKey(text(node, "provider"), text(node, "bucket"));
            JsonNode cooldown = node.get("cooldown");
            List<LimitObservation> observed = new ArrayList<>();
            for (JsonNode o : node.path("observed")) {
                observed.add(new LimitObservation(
                        new Dimension(Dimension.Unit.valueOf(text(o, "unit")), Dimension.Window.valueOf(text(o, "window"))),
                        o.has("limit") ? OptionalLong.of(o.get("limit").asLong()) : OptionalLong.empty(),
                        o.has("remaining") ? OptionalLong.of(o.get("remaining").asLong()) : OptionalLong.empty(),
                        o.has("resetAt") ? Optional.of(Instant.parse(text(o, "resetAt"))) : Optional.empty(),
                        Instant.parse(text(o, "observedAt"))));
            }
            keys.add(new StateSnapshot.Key(key,
                    cooldown == null ? Optional.empty() : Optional.of(new Cooldown(Instant.parse(text(cooldown, "until")), text(cooldown, "reason"))),
                    observed, 0,
                    node.has("day") ? LocalDate.parse(text(node, "day")) : null,
                    node.path("requestsToday").asLong(), node.path("tokensToday").asLong()));
        }
        List<StateSnapshot.Disabled> disabled = new ArrayList<>();
        for (JsonNode d : root.path("disabled")) {
            disabled.add(new StateSnapshot.Disabled(text(d, "provider"), text(d, "maskedKey"), text(d, "reason")));
        }
        return new StateSnapshot(Instant.parse(text(root, "savedAt")), keys, disabled, List.of());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("missing " + field);
        }
        return value.asText();
    }
}
