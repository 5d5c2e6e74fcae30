package io.chain429.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Boots a {@link RunningGateway} from a temporary config folder that also holds an {@code application.properties}
 * (e.g. the shipped {@code camel.server.maxBodySize}), with the project's own route files.
 */
final class GatewayFolders {

    private static final List<String> PROJECT_ROUTES = List.of("api.camel.yaml", "waterfall.camel.yaml", "chain-template.camel.yaml");

    /** The body limit the shipped {@code config/application.properties} sets (1 MiB). */
    static final int BODY_LIMIT = 1_048_576;
    static final String BODY_LIMIT_PROPERTIES = "camel.server.maxBodySize = " + BODY_LIMIT + "\n";

    private GatewayFolders() {
    }

    /** Boots from a config and a routes folder made in {@code dir}: a test's {@code @TempDir}, which JUnit deletes after it. */
    static RunningGateway start(Path dir, String gatewayYaml, String applicationProperties, String chainsYaml,
                                Map<String, String> environment) throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Files.writeString(config.resolve("429chain.yaml"), gatewayYaml);
        Files.writeString(config.resolve("application.properties"), applicationProperties);
        for (String file : PROJECT_ROUTES) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        Files.writeString(routes.resolve("chains.camel.yaml"), chainsYaml);
        return RunningGateway.start(config, routes, environment);
    }
}
