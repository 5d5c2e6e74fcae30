package io.chain429.reload;

import io.chain429.chain.ChainFiles;
import io.chain429.chain.DeclaredChains;
import io.chain429.config.ConfigException;
import io.chain429.config.ConfigLoader;
import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderTypes;
import io.chain429.config.YamlNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads the edited files into the next {@link LiveConfig}, with the same checks as at start-up: an edited chain is
 * checked against the providers in force, and an edited {@code 429chain.yaml} has every chain checked against its
 * providers (a provider still used by a chain cannot be removed). Nothing running is touched here.
 */
public final class ReloadValidator {

    private final Path configFile;
    private final Path routesDir;
    private final Map<String, String> environment;
    private final ProviderTypes types;

    public ReloadValidator(Path configFile, Path routesDir, Map<String, String> environment, ProviderTypes types) {
        this.configFile = configFile;
        this.routesDir = routesDir;
        this.environment = environment;
        this.types = types;
    }

    /** What start-up read. */
    public LiveConfig initial(GatewayConfig config, DeclaredChains chains) {
        return new LiveConfig(config, chains, otherRoutes());
    }

    /**
     * @param configChanged whether {@code 429chain.yaml} is to be read again; else the config in force is kept
     * @throws ConfigException naming the file, line and field of the first mistake
     */
    public LiveConfig next(LiveConfig current, boolean configChanged) {
        GatewayConfig config = configChanged ? ConfigLoader.load(configFile, environment, types) : current.config();
        DeclaredChains chains = ChainFiles.load(routesDir, config);
        return new LiveConfig(config, chains, otherRoutes());
    }

    /** Per routes file, the text of its items other than chains (read after ChainFiles, which reports YAML errors). */
    private Map<Path, String> otherRoutes() {
        Map<Path, String> texts = new LinkedHashMap<>();
        for (Path file : ChainFiles.yamlFiles(routesDir)) {
            List<String> lines = lines(file);
            StringBuilder text = new StringBuilder();
            if (YamlNodes.compose(file).orElse(null) instanceof SequenceNode items) {
                for (Node item : items.getValue()) {
                    if (!ChainFiles.isChain(item)) {
                        text.append(text(lines, item)).append('\n');
                    }
                }
            }
            texts.put(file, text.toString());
        }
        return texts;
    }

    /** The item's lines, with the chain template's policy defaults left out: those apply live (ReloadApplier). */
    private static String text(List<String> lines, Node item) {
        List<String> own = new ArrayList<>(lines);
        ChainFiles.policyDefaults(item).forEach(value -> leaveOut(own, value));
        int from = item.getStartMark().map(Mark::getLine).orElse(0);
        // an item ends where the next one starts: at column 0 of a line that is not its own
        int to = item.getEndMark().map(end -> end.getColumn() == 0 ? end.getLine() : end.getLine() + 1).orElse(own.size());
        return String.join("\n", own.subList(Math.min(from, own.size()), Math.min(Math.max(from, to), own.size())));
    }

    /** Replaces a value's text (from its start mark to its end mark, over one line or several) with nothing. */
    private static void leaveOut(List<String> lines, Node value) {
        Mark start = value.getStartMark().orElse(null);
        Mark end = value.getEndMark().orElse(null);
        if (start == null || end == null || end.getLine() >= lines.size()) {
            return;
        }
        String first = lines.get(start.getLine());
        String last = lines.get(end.getLine());
        lines.set(start.getLine(), first.substring(0, Math.min(start.getColumn(), first.length()))
                + last.substring(Math.min(end.getColumn(), last.length())));
        for (int line = start.getLine() + 1; line <= end.getLine(); line++) {
            lines.set(line, "");
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 0, null, "cannot be read: " + e.getMessage());
        }
    }
}
