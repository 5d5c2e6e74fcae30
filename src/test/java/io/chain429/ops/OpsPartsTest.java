package io.chain429.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small pieces of the management server, without HTTP. */
class OpsPartsTest {

    @Test
    void rssIsReadFromProcStatus() {
        assertThat(HealthReport.rssBytes(List.of("Name:\tjava", "VmRSS:\t  123456 kB", "Threads:\t40")))
                .hasValue(123456L * 1024);
        assertThat(HealthReport.rssBytes(List.of("Name:\tjava"))).isEmpty();
        assertThat(HealthReport.rssBytes(List.of("VmRSS:\tmany kB"))).isEmpty();
    }

    @Test
    void credentialsNeedBothVariables() {
        assertThat(ConsoleCredentials.fromEnvironment(Map.of())).isEmpty();
        assertThat(ConsoleCredentials.fromEnvironment(Map.of("CHAIN429_CONSOLE_USER", "ops"))).isEmpty();
        assertThat(ConsoleCredentials.fromEnvironment(Map.of("CHAIN429_CONSOLE_PASSWORD", "pw"))).isEmpty();
        assertThat(ConsoleCredentials.fromEnvironment(
                Map.of("CHAIN429_CONSOLE_USER", "ops", "CHAIN429_CONSOLE_PASSWORD", " "))).isEmpty();

        ConsoleCredentials credentials = ConsoleCredentials.fromEnvironment(
                Map.of("CHAIN429_CONSOLE_USER", "ops", "CHAIN429_CONSOLE_PASSWORD", "pw")).orElseThrow();
        assertThat(credentials.user()).isEqualTo("ops");
        assertThat(credentials.matches("ops", "pw".toCharArray())).isTrue();
        assertThat(credentials.matches("ops", "PW".toCharArray())).isFalse();
        assertThat(credentials.matches("other", "pw".toCharArray())).isFalse();
        assertThat(credentials.toString()).doesNotContain("pw");
    }

    @Test
    void onlyConsolePagesAreRedirectedToTheLogin() {
        assertThat(ConsoleLoginRedirectFilter.isPage("/")).isTrue();
        assertThat(ConsoleLoginRedirectFilter.isPage("/camel/routes")).isTrue();
        assertThat(ConsoleLoginRedirectFilter.isPage("/jmx")).isTrue();
        assertThat(ConsoleLoginRedirectFilter.isPage("/login")).isFalse();
        assertThat(ConsoleLoginRedirectFilter.isPage("/auth/login")).isFalse();
        assertThat(ConsoleLoginRedirectFilter.isPage("/jolokia/read")).isFalse();
        assertThat(ConsoleLoginRedirectFilter.isPage("/static/js/main.js")).isFalse();
        assertThat(ConsoleLoginRedirectFilter.isPage("/hawtconfig.json")).isFalse();
        assertThat(ConsoleLoginRedirectFilter.isPage("/index.html")).isFalse();
    }

    @Test
    void hawtiosOwnLoggingIsLeftOutOfTheUnpackedWar() {
        assertThat(HawtioConsole.skipped("WEB-INF/lib/log4j-core-2.24.1.jar")).isTrue();
        assertThat(HawtioConsole.skipped("WEB-INF/lib/slf4j-api-2.0.11.jar")).isTrue();
        assertThat(HawtioConsole.skipped("WEB-INF/classes/log4j2.properties")).isTrue();
        assertThat(HawtioConsole.skipped("WEB-INF/lib/hawtio-system-4.2.0.jar")).isFalse();
        assertThat(HawtioConsole.skipped("index.html")).isFalse();
    }
}
