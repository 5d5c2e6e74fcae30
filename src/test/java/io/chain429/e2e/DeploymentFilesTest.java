package io.chain429.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.config.ConfigLoader;
import io.chain429.config.GatewayConfig;
import io.chain429.config.StateBackend;
import io.chain429.provider.AdapterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docker/compose.replicas.yaml cannot be run on the build machine (no image registry), so what it relies on is checked
 * here: the replicas' config is the shipped one with Redis switched on, and the nginx upstream it rewrites is there.
 */
class DeploymentFilesTest {

    private static final Path SHIPPED_CONFIG = Path.of("config/429chain.yaml");
    private static final Path REPLICAS_CONFIG = Path.of("docker/replicas/429chain.yaml");
    private static final Path REPLICAS_COMPOSE = Path.of("docker/compose.replicas.yaml");
    private static final String NGINX_UPSTREAM = "server 127.0.0.1:4290;";

    @Test
    void theReplicasConfigIsTheShippedOneWithRedisSwitchedOn() throws IOException {
        List<String> replicas = settingsAndProviders(REPLICAS_CONFIG);
        List<String> redisLines = List.of("  state: redis", "  redis: {url: \"${env:CHAIN429_REDIS_URL}\"}");

        assertThat(replicas).containsAll(redisLines);
        assertThat(replicas.stream().filter(line -> !redisLines.contains(line)).toList())
                .as("everything else as in config/429chain.yaml: a provider added there must be added here")
                .isEqualTo(settingsAndProviders(SHIPPED_CONFIG));

        GatewayConfig config = ConfigLoader.load(REPLICAS_CONFIG, Map.of("CHAIN429_REDIS_URL", "redis://redis:6379"),
                AdapterRegistry.builtIn());
        assertThat(config.settings().stateBackend().kind()).isEqualTo(StateBackend.Kind.REDIS);
    }

    @Test
    void theComposeFileRewritesTheUpstreamThatTheShippedNginxSiteHas() throws IOException {
        String site = Files.readString(Path.of("docker/nginx.conf"));
        String compose = Files.readString(REPLICAS_COMPOSE);

        assertThat(site.split(java.util.regex.Pattern.quote(NGINX_UPSTREAM), -1)).as("exactly one upstream server line").hasSize(2);
        assertThat(compose).contains("sed 's/" + NGINX_UPSTREAM + "/server 429chain:4290; server 429chain-2:4290;/'");
        assertThat(compose).contains("./replicas/429chain.yaml:/app/config/429chain.yaml:ro");
        assertThat(compose).contains("CHAIN429_REDIS_URL: redis://redis:6379");
    }

    /** The file's lines without whole-line comments (the two files' headers differ). */
    private static List<String> settingsAndProviders(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(line -> !line.strip().startsWith("#")).toList();
    }
}
