package io.chain429.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the browser scripts in src/test/node (Debian's chromium driven by {@code playwright-core}, see
 * {@code console-browser.mjs}) against a running 429chain's console, and returns the JSON lines it printed.
 */
public final class ConsoleScript {

    public static final Path NODE_PROJECT = Path.of("src", "test", "node").toAbsolutePath();
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConsoleScript() {
    }

    /**
     * Runs {@code node <script> <management base URL> <arguments>} with the console login in its environment.
     *
     * @throws AssertionError with what the script printed unless it finished and exited 0
     */
    public static List<JsonNode> run(String script, RunningGateway gateway, String user, String password, String... arguments)
            throws Exception {
        Path output = Files.createTempFile("429chain-console-", ".out");
        try {
            List<String> command = new ArrayList<>(List.of("node", script, gateway.managementUri("").toString().replaceAll("/$", "")));
            command.addAll(List.of(arguments));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(NODE_PROJECT.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().put("CONSOLE_USER", user);
            builder.environment().put("CONSOLE_PASSWORD", password);
            Process process = builder.start();
            process.getOutputStream().close();
            // a bound against a hung browser only; each check waits on its own condition
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(script + " did not finish:\n" + Files.readString(output));
            }
            String printed = Files.readString(output);
            if (process.exitValue() != 0) {
                throw new AssertionError(script + " failed:\n" + printed);
            }
            List<JsonNode> lines = new ArrayList<>();
            for (String line : printed.split("\n")) {
                if (line.startsWith("{")) {
                    lines.add(JSON.readTree(line));
                }
            }
            return lines;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** The line of this check. */
    public static JsonNode check(List<JsonNode> lines, String name) {
        return lines.stream().filter(line -> line.path("check").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check '" + name + "' in " + lines));
    }
}
