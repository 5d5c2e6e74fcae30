package io.chain429.e2e;

import static org.awaitility.Awaitility.await;

import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.ops.ConsoleCredentials;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.management.ObjectName;

/**
 * The console at the scale its view is made for: a running 429chain with 15 providers ({@code p01} … {@code p15}) of
 * 3 models each ({@code m1} … {@code m3}) and 45 chains ({@code c01} … {@code c45}, three steps each, every step of
 * every provider in three chains), four of the providers in trouble: {@code p07} disabled by an operator, the step
 * {@code p13/m1} with an open circuit (its provider answers 503), {@code p03} and {@code p11} cooling down (their
 * provider answers 429, retry in 10 minutes). Every provider is served by one of three local simulators: healthy,
 * rate-limited or failing.
 */
public final class FifteenProviders implements AutoCloseable {

    public static final int PROVIDERS = 15;
    public static final int CHAINS = 45;
    public static final String USER = "ops";
    public static final String PASSWORD = "fifteen-providers-s3cret";
    /** The providers in trouble, in the order sorting by status puts them: disabled, circuit open, cooling. */
    public static final List<String> TROUBLED = List.of("p07", "p13", "p03", "p11");

    private final List<ProviderSimulator> simulators = new ArrayList<>();
    private final RunningGateway gateway;

    private FifteenProviders() throws Exception {
        ProviderSimulator healthy = simulator("healthy");
        ProviderSimulator limited = simulator("limited");
        ProviderSimulator failing = simulator("failing");
        limited.always(Reply.json(429, "{\"error\":{\"message\":\"rate limited\"}}").withHeader("retry-after", "600"));
        failing.always(Reply.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
        StringBuilder yaml = new StringBuilder("""
                version: 1
                providers:
                """);
        for (int p = 1; p <= PROVIDERS; p++) {
            String id = provider(p);
            ProviderSimulator simulator = id.equals("p13") ? failing : id.equals("p03") || id.equals("p11") ? limited : healthy;
            yaml.append("""
                      - id: %s
                        type: openai-compatible
                        baseUrl: %s
                    """.formatted(id, simulator.baseUrl()));
        }
        try {
            gateway = RunningGateway.start(yaml.toString(), RunningGateway.chains(chains()),
                    Map.of(ConsoleCredentials.USER_VARIABLE, USER, ConsoleCredentials.PASSWORD_VARIABLE, PASSWORD));
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Starts it and puts the four providers in trouble (each request waits for its answer, then the states are read). */
    public static FifteenProviders start() throws Exception {
        FifteenProviders setUp = new FifteenProviders();
        try {
            setUp.putInTrouble();
            return setUp;
        } catch (Exception | Error e) {
            setUp.close();
            throw e;
        }
    }

    public RunningGateway gateway() {
        return gateway;
    }

    /** Chain c(i+1), for i from 0: provider p(i mod 15 + 1) first, then the next two, all on model m(i / 15 + 1). */
    private static String[] chains() {
        return IntStream.range(0, CHAINS).boxed().flatMap(i -> {
            String model = "m" + (i / PROVIDERS + 1);
            String steps = IntStream.range(0, 3).mapToObj(k -> provider((i + k) % PROVIDERS + 1) + "/" + model)
                    .reduce((a, b) -> a + ", " + b).orElseThrow();
            return Stream.of(chain(i + 1), steps);
        }).toArray(String[]::new);
    }

    public static String provider(int number) {
        return "p%02d".formatted(number);
    }

    public static String chain(int number) {
        return "c%02d".formatted(number);
    }

    /**
     * A request through each chain that starts at p07 (served by p07, so that the recent requests show it), then p07
     * disabled; requests through c03 and c11 (p03 and p11 answer 429: cooling, p04 and p12 serve); through c13 until
     * p13/m1's circuit is open (p14 serves).
     */
    private void putInTrouble() throws Exception {
        ok(chain(7));
        ManagementFactory.getPlatformMBeanServer().invoke(providerMBean("p07"), "disable", new Object[0], new String[0]);
        ok(chain(3));
        ok(chain(11));
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> ok(chain(13)) && status("p13").equals("circuit open"));
        for (String id : TROUBLED) {
            String expected = id.equals("p07") ? "disabled" : id.equals("p13") ? "circuit open" : "cooling";
            if (!status(id).equals(expected)) {
                throw new IllegalStateException(id + " is " + status(id) + ", expected " + expected);
            }
        }
    }

    private boolean ok(String chain) {
        int status = gateway.chat(chain).statusCode();
        if (status != 200) {
            throw new IllegalStateException(chain + " answered " + status);
        }
        return true;
    }

    private static String status(String providerId) throws Exception {
        return String.valueOf(ManagementFactory.getPlatformMBeanServer().getAttribute(providerMBean(providerId), "Status"));
    }

    private static ObjectName providerMBean(String providerId) throws Exception {
        return new ObjectName("io.chain429:type=Provider,name=" + providerId);
    }

    private ProviderSimulator simulator(String name) throws IOException {
        ProviderSimulator simulator = new ProviderSimulator(name);
        simulators.add(simulator);
        return simulator;
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
        simulators.forEach(ProviderSimulator::close);
    }
}
