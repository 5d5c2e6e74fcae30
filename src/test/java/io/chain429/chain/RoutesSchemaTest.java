package io.chain429.chain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * docs/configuration.md points editors at Camel's own YAML DSL schema for routes/: the shipped route files pass it
 * (an editor shows no error in them), and the docs name the Camel version the build uses.
 */
class RoutesSchemaTest {

    @Test
    void theShippedRouteFilesPassCamelsYamlDslSchema() throws IOException {
        Schema schema;
        try (InputStream camelSchema = RoutesSchemaTest.class.getResourceAsStream("/schema/camelYamlDsl.json")) {
            assertThat(camelSchema).as("camel-yaml-dsl's schema on the classpath").isNotNull();
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
                    .getSchema(new String(camelSchema.readAllBytes(), StandardCharsets.UTF_8), InputFormat.JSON);
        }
        for (Path file : ChainFiles.yamlFiles(Path.of("routes"))) {
            Object routes = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));

            assertThat(schema.validate(new ObjectMapper().valueToTree(routes))).as(file.toString()).isEmpty();
        }
    }

    @Test
    void theDocsNameTheCamelVersionTheBuildUses() throws IOException {
        Matcher version = Pattern.compile("<camel.version>([^<]+)</camel.version>").matcher(Files.readString(Path.of("pom.xml")));
        assertThat(version.find()).isTrue();

        assertThat(Files.readString(Path.of("docs/configuration.md"))).contains("apache/camel/camel-" + version.group(1) + "/");
    }
}
