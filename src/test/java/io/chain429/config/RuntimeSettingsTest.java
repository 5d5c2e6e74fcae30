package io.chain429.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeSettingsTest {

    @Test
    void defaultsServeOnLoopbackPort4290FromTheWorkingDirectoryFolders(@TempDir Path empty) {
        RuntimeSettings settings = RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", empty.toString()));

        assertThat(settings.host()).isEqualTo("127.0.0.1");
        assertThat(settings.port()).isEqualTo(4290);
        assertThat(settings.managementPort()).isEqualTo(4291);
        assertThat(settings.routesDir()).isEqualTo(Path.of("routes"));
        assertThat(settings.dataDir()).isEqualTo(Path.of("data"));
        assertThat(settings.gatewayConfigFile()).isEqualTo(empty.resolve("429chain.yaml"));
    }

    @Test
    void theEnvironmentWinsOverApplicationPropertiesWhichWinsOverDefaults(@TempDir Path config) throws Exception {
        Files.writeString(config.resolve("application.properties"), """
                CHAIN429_PORT = 5000
                CHAIN429_HOST = 0.0.0.0
                CHAIN429_ROUTES_DIR = my-routes
                """);

        RuntimeSettings settings = RuntimeSettings.resolve(Map.of(
                "CHAIN429_CONFIG_DIR", config.toString(),
                "CHAIN429_PORT", "6000"));

        assertThat(settings.port()).as("CHAIN429_PORT from the environment (Camel itself would ignore *_PORT variables)").isEqualTo(6000);
        assertThat(settings.host()).isEqualTo("0.0.0.0");
        assertThat(settings.routesDir()).isEqualTo(Path.of("my-routes"));
    }

    @Test
    void aBadPortIsAConfigErrorNamingTheVariable(@TempDir Path empty) {
        assertThatThrownBy(() -> RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", empty.toString(), "CHAIN429_PORT", "http")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("CHAIN429_PORT")
                .hasMessageContaining("'http'");
    }

    @Test
    void tlsTakesACertificateAndItsKeyTogetherFromEitherSource(@TempDir Path config) throws Exception {
        Files.writeString(config.resolve("application.properties"), "CHAIN429_TLS_KEY = tls/server.key\n");

        RuntimeSettings settings = RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", config.toString(),
                "CHAIN429_TLS_CERT", "tls/server.crt"));

        assertThat(settings.tls()).contains(new TlsFiles(Path.of("tls/server.crt"), Path.of("tls/server.key")));
        assertThat(RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", config.resolve("none").toString())).tls())
                .as("neither: plain HTTP").isEmpty();
        assertThatThrownBy(() -> RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", config.toString())))
                .as("a key without its certificate")
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("CHAIN429_TLS_CERT: is not set but CHAIN429_TLS_KEY=tls/server.key is");
    }

    @Test
    void theRequestLogKeepsFiveFilesOfTenMegabytesOffTheConsoleUnlessToldOtherwise(@TempDir Path config) throws Exception {
        assertThat(RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", config.toString())).requestLog())
                .isEqualTo(new RuntimeSettings.RequestLog(10 * 1024 * 1024, 5, false));

        Files.writeString(config.resolve("application.properties"), "CHAIN429_REQUEST_LOG_MAX_SIZE = 512KB\n");
        RuntimeSettings settings = RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", config.toString(),
                "CHAIN429_REQUEST_LOG_FILES", "2", "CHAIN429_REQUEST_LOG_CONSOLE", "true"));

        assertThat(settings.requestLog()).isEqualTo(new RuntimeSettings.RequestLog(512 * 1024, 2, true));
        assertThat(RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", config.toString(), "CHAIN429_REQUEST_LOG_MAX_SIZE", "4096"))
                .requestLog().maxFileBytes()).isEqualTo(4096);
    }

    @Test
    void aBadRequestLogSizeIsAConfigErrorNamingTheVariable(@TempDir Path empty) {
        assertThatThrownBy(() -> RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", empty.toString(),
                "CHAIN429_REQUEST_LOG_MAX_SIZE", "10 parsecs")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("CHAIN429_REQUEST_LOG_MAX_SIZE")
                .hasMessageContaining("'10 parsecs'");
    }

    @Test
    void clientsHave10sForTheirHeaders30sForTheirBodyAnd75sBetweenRequestsUnlessSetOtherwise(@TempDir Path config) throws Exception {
        Files.writeString(config.resolve("application.properties"), "CHAIN429_BODY_TIMEOUT = 1m\n");

        RuntimeSettings settings = RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", config.toString(),
                "CHAIN429_HEADER_TIMEOUT", "500ms"));

        assertThat(settings.clientTimeouts()).isEqualTo(new RuntimeSettings.ClientTimeouts(
                java.time.Duration.ofMillis(500), java.time.Duration.ofMinutes(1), java.time.Duration.ofSeconds(75)));
        assertThat(RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", config.resolve("none").toString())).clientTimeouts())
                .isEqualTo(RuntimeSettings.ClientTimeouts.DEFAULT);
    }

    @Test
    void aClientTimeoutMustBeADurationAboveZero(@TempDir Path empty) {
        for (String bad : new String[] {"0s", "10", "soon"}) {
            assertThatThrownBy(() -> RuntimeSettings.resolve(Map.of("CHAIN429_CONFIG_DIR", empty.toString(), "CHAIN429_KEEP_ALIVE_TIMEOUT", bad)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("CHAIN429_KEEP_ALIVE_TIMEOUT")
                    .hasMessageContaining("'" + bad + "'");
        }
    }
}
