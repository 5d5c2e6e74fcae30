package io.chain429.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The benchmark's shared-state measurement runs on its own, against a real redis-server, and reports every row. */
class SharedStateCostTest {

    @Test
    void measuresAdmitAndSettleEmbeddedAndOverRedis() throws Exception {
        String report = SharedStateCost.measure(300);

        assertThat(report).contains("| embedded | concurrency limit |", "| redis (loopback) | concurrency limit: 1 round trip |",
                "| redis (loopback) | no counted limit: local view |");
        assertThat(report).doesNotContain("NaN").doesNotContain("fell back");
    }
}
