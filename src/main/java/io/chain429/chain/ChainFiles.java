package io.chain429.chain;

import static java.util.Objects.requireNonNullElse;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Finds the chains in the routes folder: every {@code templatedRoute} of the {@code chain} template. They are
 * checked here, before Camel builds the routes, because a typo in a step would otherwise surface only when a
 * request reaches it, and a parameter without a value makes Camel fail with a bare NullPointerException.
 *
 * <p>A chain's policy parameters it leaves out take the {@code defaultValue} the {@code chain} template declares
 * (routes/chain-template.camel.yaml): the template is where users read the defaults, so it is their one source. They
 * are read here, from the same files Camel loads, because chains are checked and their policies built before Camel
 * loads anything (and, at a live reload, before anything changes).
 *
 * <p>Until its name is known, a chain is called {@code templatedRoute#N} in messages: the N-th (from 1) item of
 * its file.
 */
public final class ChainFiles {

    private static final String TEMPLATE = "chain";
    private static final List<String> POLICY = List.of("commit", "retries", "retryWait", "maxWait", "maxWaiting");
    private static final List<String> PARAMETERS = Stream.concat(Stream.of("name", "steps"), POLICY.stream()).toList();
    private static final String TEMPLATE_LABEL = "routeTemplate[" + TEMPLATE + "]";
    private static final List<String> PARAMETER_FIELDS = List.of("name", "value");
    private static final String NO_STEPS = "a chain needs at least one step";

    /** A chain as written, its policy parameters not yet merged with the template's defaults. */
    private record Written(String name, List<Step> steps, GivenPolicy policy, String file, int line, Map<String, String> parameters) {
    }

    /** The policy parameters a chain or the template gives, read; null for those it leaves out. */
    private record GivenPolicy(CommitMode commit, Integer retries, Duration retryWait, Duration maxWait, Integer maxWaiting) {

        static GivenPolicy read(YamlNodes yaml, Map<String, Node> parameters, String path) {
            return new GivenPolicy(
                    read(parameters, "commit", node -> commitMode(yaml, node, path + ".commit")),
                    read(parameters, "retries", node -> count(yaml, node, path + ".retries", 0, 10)),
                    read(parameters, "retryWait", node -> duration(yaml, node, path + ".retryWait")),
                    read(parameters, "maxWait", node -> duration(yaml, node, path + ".maxWait")),
                    read(parameters, "maxWaiting", node -> count(yaml, node, path + ".maxWaiting", 1, 10_000)));
        }

        private static <T> T read(Map<String, Node> parameters, String name, Function<Node, T> parse) {
            Node node = parameters.get(name);
            return node == null ? null : parse.apply(node);
        }

        ChainPolicy over(ChainPolicy defaults) {
            return new ChainPolicy(requireNonNullElse(commit, defaults.commit()), requireNonNullElse(retries, defaults.retries()),
                    requireNonNullElse(retryWait, defaults.retryWait()), requireNonNullElse(maxWait, defaults.maxWait()),
                    requireNonNullElse(maxWaiting, defaults.maxWaiting()));
        }

        /** The template's, which gives every parameter (see templateDefaults). */
        ChainPolicy whole() {
            return new ChainPolicy(commit, retries, retryWait, maxWait, maxWaiting);
        }
    }

    /** Where the {@code chain} template was found: its file, and its {@code parameters} node. */
    private record Template(YamlNodes yaml, Node item, Optional<Node> parameters) {
    }

    private final GatewayConfig config;
    private final Map<String, Written> chains = new LinkedHashMap<>();
    private Template template;

    private ChainFiles(GatewayConfig config) {
        this.config = config;
    }

    /**
     * @return the chains of every {@code *.yaml} file in {@code routesDir}, files in name order, and the chain
     *         template's defaults
     * @throws ConfigException for an invalid chain, a missing or invalid chain template, or when
     *                         {@code settings.defaultChain} names none of the chains
     */
    public static DeclaredChains load(Path routesDir, GatewayConfig config) {
        if (!Files.isDirectory(routesDir)) {
            throw new ConfigException(routesDir.toString(), 0, null,
                    "not found — expected the folder of route files (set CHAIN429_ROUTES_DIR to move it)");
        }
        ChainFiles loader = new ChainFiles(config);
        yamlFiles(routesDir).forEach(loader::read);
        loader.checkDefaultChain(routesDir);
        ChainPolicy defaults = loader.templateDefaults(routesDir);
        List<ChainDefinition> chains = loader.chains.values().stream().map(chain -> new ChainDefinition(chain.name(),
                chain.steps(), chain.policy().over(defaults), chain.file(), chain.line(), chain.parameters())).toList();
        return new DeclaredChains(chains, defaults);
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
                chainTemplate(item).ifPresent(body -> foundTemplate(yaml, item, body));
            }
        }
    }

    /** Whether an item of a routes file is a chain: {@code - templatedRoute: {routeTemplateRef: chain, ...}}. */
    public static boolean isChain(Node item) {
        return chainRoute(item).isPresent();
    }

    /**
     * The {@code defaultValue} nodes of the chain template's policy parameters, if this item is the chain template:
     * 429chain reads them (a chain's policy), so they apply at a live reload, unlike the rest of the template.
     */
    public static List<Node> policyDefaults(Node item) {
        return chainTemplate(item).flatMap(body -> YamlNodes.value(body, "parameters"))
                .filter(parameters -> parameters instanceof SequenceNode)
                .map(parameters -> ((SequenceNode) parameters).getValue().stream()
                        .filter(parameter -> YamlNodes.value(parameter, "name")
                                .filter(name -> name instanceof ScalarNode scalar && POLICY.contains(scalar.getValue()))
                                .isPresent())
                        .flatMap(parameter -> YamlNodes.value(parameter, "defaultValue").stream())
                        .toList())
                .orElse(List.of());
    }

    /** The body of an item {@code - templatedRoute: {routeTemplateRef: chain, ...}}; empty for any other item. */
    private static Optional<Node> chainRoute(Node item) {
        return YamlNodes.value(item, "templatedRoute").filter(route -> YamlNodes.value(route, "routeTemplateRef")
                .filter(ref -> ref instanceof ScalarNode scalar && scalar.getValue().equals(TEMPLATE))
                .isPresent());
    }

    /** The body of an item {@code - routeTemplate: {id: chain, ...}}; empty for any other item. */
    private static Optional<Node> chainTemplate(Node item) {
        return YamlNodes.value(item, "routeTemplate").filter(template -> YamlNodes.value(template, "id")
                .filter(id -> id instanceof ScalarNode scalar && scalar.getValue().equals(TEMPLATE))
                .isPresent());
    }

    private void foundTemplate(YamlNodes yaml, Node item, Node body) {
        if (template != null) {
            throw yaml.error(item, TEMPLATE_LABEL, "the chain template is already declared at " + template.yaml().file() + ":"
                    + YamlNodes.line(template.item()));
        }
        template = new Template(yaml, item, YamlNodes.value(body, "parameters"));
    }

    /** The policy of a chain that leaves every policy parameter out, and of a provider/model step outside any chain. */
    private ChainPolicy templateDefaults(Path routesDir) {
        if (template == null) {
            throw new ConfigException(routesDir.toString(), 0, null, "has no routeTemplate '" + TEMPLATE
                    + "': chains are made from it (copy chain-template.camel.yaml from 429chain's routes folder)");
        }
        YamlNodes yaml = template.yaml();
        String path = TEMPLATE_LABEL + ".parameters";
        Map<String, Node> defaults = new LinkedHashMap<>();
        for (Node parameter : template.parameters().map(node -> yaml.list(node, path).getValue()).orElse(List.of())) {
            Optional<String> name = YamlNodes.value(parameter, "name").map(node -> yaml.string(node, path));
            Optional<Node> value = YamlNodes.value(parameter, "defaultValue").filter(node -> !YamlNodes.isNull(node));
            if (name.isPresent() && POLICY.contains(name.get()) && value.isPresent()) {
                defaults.put(name.get(), value.get());
            }
        }
        for (String parameter : POLICY) {
            if (!defaults.containsKey(parameter)) {
                throw yaml.error(template.parameters().orElse(template.item()), path, "parameter '" + parameter
                        + "' needs a defaultValue: it is what a chain that leaves it out, and a step outside any chain, gets");
            }
        }
        return GivenPolicy.read(yaml, defaults, path).whole();
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
        chains.put(name, new Written(name, steps, GivenPolicy.read(yaml, parameters, label + ".parameters"), yaml.file(),
                YamlNodes.line(item), written));
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

    private static Duration duration(YamlNodes yaml, Node node, String path) {
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
        Written other = chains.get(name);
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
