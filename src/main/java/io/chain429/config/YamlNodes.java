package io.chain429.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Typed reading of a YAML node tree, shared by the loaders of {@code 429chain.yaml} and of the routes folder.
 * They work on snakeyaml nodes rather than on plain maps because only nodes remember their line, and every
 * {@link ConfigException} must say which line to fix. An instance reads one file and names it in its errors.
 */
public final class YamlNodes {

    private final String file;

    public YamlNodes(String file) {
        this.file = file;
    }

    public String file() {
        return file;
    }

    /** The single document in {@code path}; empty when the file holds none. A syntax error keeps its line. */
    public static Optional<Node> compose(Path path) {
        String name = path.toString();
        try (Reader reader = Files.newBufferedReader(path)) {
            return new Compose(LoadSettings.builder().setLabel(name).build()).composeReader(reader);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().or(e::getContextMark).map(YamlNodes::line).orElse(0);
            // The context ("while scanning a quoted scalar") often says more than the problem alone.
            String context = e.getContext() == null ? "" : e.getContext() + ", ";
            throw new ConfigException(name, line, null, "invalid YAML: " + context + e.getProblem());
        } catch (YamlEngineException e) {
            throw new ConfigException(name, 0, null, "invalid YAML: " + e.getMessage());
        } catch (IOException e) {
            throw new ConfigException(name, 0, null, "cannot be read: " + e.getMessage());
        }
    }

    /** 1-based line where the node starts, 0 when unknown. */
    public static int line(Node node) {
        return node.getStartMark().map(YamlNodes::line).orElse(0);
    }

    private static int line(Mark mark) {
        return mark.getLine() + 1;
    }

    /** {@code parent.key}, or just {@code key} at the top of the document. */
    public static String path(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    public ConfigException error(Node node, String field, String problem) {
        return new ConfigException(file, line(node), field, problem);
    }

    public MappingNode mapping(Node node, String field) {
        if (node instanceof MappingNode mapping) {
            return mapping;
        }
        throw error(node, field, "expected a mapping, got " + describe(node));
    }

    public SequenceNode list(Node node, String field) {
        if (node instanceof SequenceNode list) {
            return list;
        }
        throw error(node, field, "expected a list, got " + describe(node));
    }

    /** Any non-empty scalar, as written: {@code id: 123} is as good a string as {@code id: abc}. */
    public String string(Node node, String field) {
        if (node instanceof ScalarNode scalar && !isNull(scalar)) {
            return scalar.getValue();
        }
        throw error(node, field, "expected a string, got " + describe(node));
    }

    /** A string matching {@code pattern}; {@code expected} describes the pattern to the user. */
    public String matching(Node node, String field, Pattern pattern, String expected) {
        String value = string(node, field);
        if (!pattern.matcher(value).matches()) {
            throw error(node, field, "expected " + expected + ", got '" + value + "'");
        }
        return value;
    }

    public int integer(Node node, String field) {
        if (node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.INT)) {
            try {
                return Integer.parseInt(scalar.getValue());
            } catch (NumberFormatException e) {
                throw error(node, field, "expected an integer up to " + Integer.MAX_VALUE + ", got " + scalar.getValue());
            }
        }
        throw error(node, field, "expected an integer, got " + describe(node));
    }

    /**
     * The values of a mapping by key, in file order. Rejects a key that is not in {@code known} (suggesting the
     * closest known one, since most unknown keys are typos) and a key given twice, which YAML would otherwise
     * resolve silently to the last one.
     */
    public Map<String, Node> fields(MappingNode mapping, String field, List<String> known) {
        Map<String, Node> values = new LinkedHashMap<>();
        Map<String, Integer> lines = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            String key = string(keyNode, field);
            String path = path(field, key);
            if (!known.contains(key)) {
                String hint = didYouMean(key, known);
                throw error(keyNode, path, "unknown field" + (hint.isEmpty() ? "; known fields are " + String.join(", ", known) : hint));
            }
            Integer first = lines.putIfAbsent(key, line(keyNode));
            if (first != null) {
                throw error(keyNode, path, "is given twice (first at line " + first + ")");
            }
            values.put(key, tuple.getValueNode());
        }
        return values;
    }

    /** The value under {@code key} when {@code node} is a mapping holding it; lenient, for telling kinds of items apart. */
    public static Optional<Node> value(Node node, String key) {
        if (node instanceof MappingNode mapping) {
            return mapping.getValue().stream()
                    .filter(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key))
                    .map(NodeTuple::getValueNode)
                    .findFirst();
        }
        return Optional.empty();
    }

    /** {@code key:} with nothing after it, or {@code null} / {@code ~}. */
    public static boolean isNull(Node node) {
        return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
    }

    /** What the user wrote, in words, for "expected X, got Y" messages. */
    public static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        String value = ((ScalarNode) node).getValue();
        Tag tag = node.getTag();
        if (tag.equals(Tag.NULL)) {
            return "no value";
        }
        if (tag.equals(Tag.STR)) {
            return "the string '" + value + "'";
        }
        if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) {
            return "the number " + value;
        }
        return tag.equals(Tag.BOOL) ? "the boolean " + value : "'" + value + "'";
    }

    /**
     * {@code " (did you mean 'x'?)"} when a known word differs from {@code given} only in case or by at most two
     * edits, else an empty string. The first closest word wins, so callers list the likelier words first.
     */
    public static String didYouMean(String given, Collection<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : known) {
            int distance = candidate.equalsIgnoreCase(given) ? 0 : levenshtein(given, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int levenshtein(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
