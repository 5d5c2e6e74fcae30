package io.chain429.chain;

import io.chain429.config.ConfigException;
import io.chain429.config.ConfigLoader;
import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderConfig;
import io.chain429.config.YamlNodes;
import io.chain429.core.CommitMode;
import io.chain429.core.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Finds the chains in the routes folder: every {@code templatedRoute} of the {@code chain} template. They are
 * checked here, before Camel builds the routes, because a typo in a step would otherwise surface only when a
 * request reaches it, and a parameter without a value makes Camel fail with a bare NullPointerException.
 *
 * <p>Until its name is known, a chain is called {@code templatedRoute#N} in messages: the N-th (from 1) item of
 * its file.
 */
public final class ChainFiles {

    private static final String TEMPLATE = "chain";
    private static final List<String> PARAMETERS = List.of("name", "steps", "commit", "retries", "retryWait", "maxWait", "maxWaiting");
    private static final List<String> PARAMETER_FIELDS = List.of("name", "value");
    private static final String NO_STEPS = "a chain needs at least one step";

    private final GatewayConfig config;
    private final Map<String, ChainDefinition> chains = new LinkedHashMap<>();

    private ChainFiles(GatewayConfig config) {
        this.config = config;
    }

    /**
     * @return the chains of every {@code *.yaml} file in {@code routesDir}, files in name order
     * @throws ConfigException for an invalid chain, or when {@code settings.defaultChain} names none of them
     */
    public static List<ChainDefinition> load(Path routesDir, GatewayConfig config) {
        if (!Files.isDirectory(routesDir)) {
            throw new ConfigException(routesDir.toString(), 0, null,
                    "not found — expected the folder of route files (set CHAIN429_ROUTES_DIR to move it)");
        }
        ChainFiles loader = new ChainFiles(config);
        yamlFiles(routesDir).forEach(loader::read);
        loader.checkDefaultChain(routesDir);
        return List.copyOf(loader.chains.values());
    }

    /** The {@code *.yaml} files of the routes folder, in name order. */
    public static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(f))
                    .sorted(Comparator.comparing(f -> f.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new ConfigException(dir.toString(), 0, null, "cannot be read: " + e.getMessage());
        }
    }

    /** Files and items that are not chains are left alone: they are Camel's to load and to complain about. */
    private void read(Path file) {
        YamlNodes yaml = new YamlNodes(file.toString());
        Optional<Node> root = YamlNodes.compose(file);
        if (root.isPresent() && root.get() instanceof SequenceNode items) {
            for (int i = 0; i < items.getValue().size(); i++) {
                Node item = items.getValue().get(i);
                Optional<Node> route = chainRoute(item);
                if (route.isPresent()) {
                    add(yaml, item, route.get(), "templatedRoute#" + (i + 1));
                }
            }
        }
    }

    /** Whether an item of a routes file is a chain: {@code - templatedRoute: {routeTemplateRef: chain, ...}}. */
    public static boolean isChain(Node item) {
        return chainRoute(item).isPresent();
    }

    /** The body of an item {@code - templatedRoute: {routeTemplateRef: chain, ...}}; empty for any other item. */
    private static Optional<Node> chainRoute(Node item) {
        return YamlNodes.value(item, "templatedRoute").filter(route -> YamlNodes.value(route, "routeTemplateRef")
                .filter(ref -> ref instanceof ScalarNode scalar && scalar.getValue().equals(TEMPLATE))
                .isPresent());
    }

    private void add(YamlNodes yaml, Node item, Node route, String anonymous) {
        Node parametersNode = YamlNodes.value(route, "parameters").orElseThrow(() ->
                yaml.error(item, anonymous + ".parameters", "is required: a chain needs the parameters 'name' and 'steps'"));
        Map<String, Node> parameters = parameters(yaml, parametersNode, anonymous + ".parameters");
        Node nameNode = parameters.get("name");
        if (nameNode == null) {
            throw yaml.error(parametersNode, anonymous + ".parameters", "parameter 'name' is missing");
        }
        String name = ConfigLoader.chainName(yaml, nameNode, anonymous + ".parameters.name");
        String label = "templatedRoute[chain-" + name + "]";
        checkUnique(yaml, nameNode, label, name);
        checkRouteId(yaml, route, label, name);
        Node stepsNode = parameters.get("steps");
        if (stepsNode == null) {
            throw yaml.error(parametersNode, label + ".parameters.steps", NO_STEPS);
        }
        List<Step> steps = steps(yaml, stepsNode, label + ".parameters.steps");
        Map<String, String> written = new LinkedHashMap<>();
        parameters.forEach((parameter, value) -> written.put(parameter, yaml.string(value, label + ".parameters." + parameter)));
        chains.put(name, new ChainDefinition(name, steps, policy(yaml, parameters, label + ".parameters"), yaml.file(),
                YamlNodes.line(item), written));
    }

    private static ChainPolicy policy(YamlNodes yaml, Map<String, Node> parameters, String path) {
        ChainPolicy defaults = ChainPolicy.DEFAULT;
        return new ChainPolicy(
                parameters.containsKey("commit") ? commitMode(yaml, parameters.get("commit"), path + ".commit") : defaults.commit(),
                parameters.containsKey("retries") ? count(yaml, parameters.get("retries"), path + ".retries", 0, 10) : defaults.retries(),
                parameters.containsKey("retryWait") ? duration(yaml, parameters.get("retryWait"), path + ".retryWait") : defaults.retryWait(),
                parameters.containsKey("maxWait") ? duration(yaml, parameters.get("maxWait"), path + ".maxWait") : defaults.maxWait(),
                parameters.containsKey("maxWaiting") ? count(yaml, parameters.get("maxWaiting"), path + ".maxWaiting", 1, 10_000) : defaults.maxWaiting());
    }

    /** Template parameter values are strings to Camel, so numbers are read from their text. */
    private static int count(YamlNodes yaml, Node node, String path, int min, int max) {
        String value = yaml.string(node, path);
        try {
            int number = Integer.parseInt(value.trim());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw yaml.error(node, path, "expected a whole number from " + min + " to " + max + ", got '" + value + "'");
    }

    private static java.time.Duration duration(YamlNodes yaml, Node node, String path) {
        String value = yaml.string(node, path);
        try {
            return io.chain429.config.Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw yaml.error(node, path, e.getMessage());
        }
    }

    private static CommitMode commitMode(YamlNodes yaml, Node node, String path) {
        String value = yaml.string(node, path);
        return CommitMode.parse(value).orElseThrow(() -> yaml.error(node, path,
                "expected first-event or complete, got '" + value + "'" + YamlNodes.didYouMean(value, CommitMode.NAMES)));
    }

    /** The value node of each template parameter, by parameter name. */
    private static Map<String, Node> parameters(YamlNodes yaml, Node node, String path) {
        Map<String, Node> values = new LinkedHashMap<>();
        for (Node parameter : yaml.list(node, path).getValue()) {
            Map<String, Node> fields = yaml.fields(yaml.mapping(parameter, path), path, PARAMETER_FIELDS);
            Node nameNode = fields.get("name");
            if (nameNode == null) {
                throw yaml.error(parameter, path, "a parameter has no name");
            }
            String name = yaml.string(nameNode, path);
            if (!PARAMETERS.contains(name)) {
                throw yaml.error(nameNode, path, "unknown parameter '" + name + "'" + YamlNodes.didYouMean(name, PARAMETERS)
                        + "; the chain template takes 'name', 'steps' and optionally 'commit', 'retries', 'retryWait', 'maxWait', 'maxWaiting'");
            }
            Node value = fields.get("value");
            if (value == null || YamlNodes.isNull(value)) {
                throw yaml.error(parameter, path, "parameter '" + name + "' has no value");
            }
            if (values.putIfAbsent(name, value) != null) {
                throw yaml.error(nameNode, path, "parameter '" + name + "' is given twice");
            }
        }
        return values;
    }

    private void checkUnique(YamlNodes yaml, Node nameNode, String label, String name) {
        ChainDefinition other = chains.get(name);
        if (other != null) {
            throw yaml.error(nameNode, label + ".parameters.name",
                    "chain '" + name + "' is already defined at " + other.file() + ":" + other.line());
        }
    }

    /** Camel would happily use another id, but the gateway finds a chain's route by {@code chain-<name>}. */
    private static void checkRouteId(YamlNodes yaml, Node route, String label, String name) {
        Optional<Node> node = YamlNodes.value(route, "routeId");
        if (node.isEmpty()) {
            return;
        }
        String routeId = yaml.string(node.get(), label + ".routeId");
        String expected = "chain-" + name;
        if (!routeId.equals(expected)) {
            throw yaml.error(node.get(), label + ".routeId", "must be '" + expected + "' (or be left out), got '" + routeId + "'");
        }
    }

    private List<Step> steps(YamlNodes yaml, Node node, String path) {
        List<Step> steps = new ArrayList<>();
        for (String entry : yaml.string(node, path).split(",")) {
            // Empty entries (a trailing comma) are skipped, as StartWaterfall skips them at run time.
            if (!entry.isBlank()) {
                steps.add(step(yaml, node, path, entry.trim()));
            }
        }
        if (steps.isEmpty()) {
            throw yaml.error(node, path, NO_STEPS);
        }
        return steps;
    }

    /** Disabled providers are accepted: they are skipped at run time, and may get their key later. */
    private Step step(YamlNodes yaml, Node node, String path, String text) {
        Step step = Step.parseOrNull(text);
        if (step == null) {
            throw yaml.error(node, path, "step '" + text + "' is not of the form provider/model");
        }
        if (config.provider(step.providerId()).isEmpty()) {
            List<String> known = config.providers().stream().map(ProviderConfig::id).toList();
            String hint = YamlNodes.didYouMean(step.providerId(), known);
            throw yaml.error(node, path, "step '" + text + "' names unknown provider '" + step.providerId() + "'"
                    + (hint.isEmpty() ? "; configured providers are " + listOrNone(known) : hint));
        }
        return step;
    }

    private void checkDefaultChain(Path routesDir) {
        Optional<String> defaultChain = config.settings().defaultChain();
        if (defaultChain.isPresent() && !chains.containsKey(defaultChain.get())) {
            throw new ConfigException(config.file(), 0, "settings.defaultChain", "'" + defaultChain.get()
                    + "' names no chain in " + routesDir + ": known chains are " + listOrNone(List.copyOf(chains.keySet())));
        }
    }

    private static String listOrNone(List<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }
}
