package io.chain429.e2e;

import static io.chain429.e2e.ConsoleScript.check;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The 429chain view at the scale it is made for ({@link FifteenProviders}: 15 providers of 3 models, 45 chains, four
 * providers in trouble) in a real browser (src/test/node/console-at-scale.mjs): it lists everything, sorting by status
 * puts the troubled providers first, and a provider's id in the filter box leaves only what concerns it. How fast it
 * draws is the benchmark's business (io.chain429.bench.ConsoleDrawTime), not this test's.
 */
class ConsoleAtScaleTest {

    private FifteenProviders setUp;

    @BeforeEach
    void boot() throws Exception {
        setUp = FifteenProviders.start();
    }

    @AfterEach
    void stop() {
        if (setUp != null) {
            setUp.close();
        }
    }

    @Test
    void fifteenProvidersAndFortyFiveChainsStayReadableWithTheFilterBoxAndSortingByStatus() throws Exception {
        assertThat(ConsoleScript.CHROMIUM).as("Debian's chromium (apt-get install -y chromium; .ci/run installs it)").isExecutable();

        List<JsonNode> lines = ConsoleScript.run("console-at-scale.mjs", setUp.gateway(), FifteenProviders.USER, FifteenProviders.PASSWORD,
                String.valueOf(FifteenProviders.PROVIDERS), String.valueOf(FifteenProviders.CHAINS), "p07");

        List<String> providers = IntStream.rangeClosed(1, FifteenProviders.PROVIDERS).mapToObj(FifteenProviders::provider).toList();
        List<String> chains = IntStream.rangeClosed(1, FifteenProviders.CHAINS).mapToObj(FifteenProviders::chain).toList();
        JsonNode listed = check(lines, "everything listed");
        assertThat(texts(listed.path("providers"))).containsExactlyInAnyOrderElementsOf(providers);
        assertThat(texts(listed.path("chains"))).containsExactlyInAnyOrderElementsOf(chains);

        assertThat(texts(check(lines, "sorted by id").path("providers"))).containsExactlyElementsOf(providers);
        JsonNode byStatus = check(lines, "sorted by status");
        List<String> available = providers.stream().filter(id -> !FifteenProviders.TROUBLED.contains(id)).toList();
        assertThat(texts(byStatus.path("providers"))).as("problems first, then the available ones by id")
                .containsExactlyElementsOf(concat(FifteenProviders.TROUBLED, available));
        assertThat(texts(byStatus.path("statuses"))).startsWith("disabled", "circuit open", "cooling", "cooling");

        JsonNode filtered = check(lines, "filtered");
        assertThat(texts(filtered.path("providers"))).containsExactly("p07");
        assertThat(filtered.path("chains")).as("the chains with a step of p07: 3 models, 3 positions").hasSize(9)
                .allSatisfy(steps -> assertThat(texts(steps)).anySatisfy(step -> assertThat(step).startsWith("p07/")));
        assertThat(texts(filtered.path("recent"))).as("the request p07 served before it was disabled").isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("p07"));
        check(lines, "no page errors");
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    private static List<String> concat(List<String> first, List<String> then) {
        List<String> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }
}
