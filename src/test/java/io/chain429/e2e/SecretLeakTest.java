package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider key goes to its provider and nowhere else: after every kind of request and failure, the canary key is in
 * no response (status, header or body), not in {@code /v1/ratelimits}, {@code /v1/models}, the management server's
 * {@code /health} and {@code /metrics}, any MBean attribute of the JVM, any log line (as written and as logged), the
 * process's own stdout/stderr, or the state file.
 */
@ExtendWith(GatewayExtension.class)
class SecretLeakTest {

    private static final String CANARY = "sk-test-LEAKCANARY-0123456789abcdef";
    /** The distinctive middle: found anywhere, some part of the key leaked. */
    private static final String MIDDLE = "LEAKCANARY";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<String> seen = new ArrayList<>();
    @Simulated("leaky")
    private ProviderSimulator provider;
    private RunningGateway gateway;
    @TempDir
    Path folders;
    @TempDir
    Path dataDir;
    private int managementPort;
    private LogCapture logs;

    @BeforeEach
    void boot() throws Exception {
        logs = LogCapture.start();
        managementPort = freePort();
        gateway = GatewayFolders.start(folders, """
                version: 1
                settings:
                  defaultChain: main
                providers:
                  - id: main
                    type: openai-compatible
                    baseUrl: %1$s
                    apiKey: ${env:LEAK_KEY}
                    timeouts: {firstByte: 2s, firstToken: 1s, idle: 500ms, total: 10s}
                  - id: doomed
                    type: openai-compatible
                    baseUrl: %1$s
                    apiKey: ${env:LEAK_KEY}
                """.formatted(provider.baseUrl()), GatewayFolders.BODY_LIMIT_PROPERTIES,
                chains("main", "main/model-a", "doomed", "doomed/model-d"),
                Map.of("LEAK_KEY", CANARY, "CHAIN429_DATA_DIR", dataDir.toString(),
                        "CHAIN429_MANAGEMENT_PORT", String.valueOf(managementPort)));
    }

    @AfterEach
    void stop() {
        logs.stop();
    }

    @Test
    void noRequestOrFailureLeaksTheProviderKey() throws Exception {
        runEveryKindOfRequest(false);

        assertThat(provider.received()).as("the provider did get its key").isNotEmpty()
                .allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer " + CANARY));
        assertNoLeak();
    }

    /**
     * Some providers quote the key they were sent in their error messages: 429chain must not relay such a quote to its
     * client or write it to its log.
     */
    @Test
    void aProviderQuotingTheKeyInItsErrorsDoesNotMakeItLeak() throws Exception {
        runEveryKindOfRequest(true);

        assertNoLeak();
    }

    private void runEveryKindOfRequest(boolean quoteKey) throws Exception {
        String quoted = quoteKey ? " (key " + CANARY + ")" : "";
        // success, JSON and streamed
        record(gateway.chat("main"));
        record(gateway.streamChat("main"));
        // the client's own mistake: refused before any provider
        record(gateway.post("/v1/chat/completions", "{\"model\":\"main\",\"messages\":[]"));
        record(gateway.post("/v1/chat/completions", "{\"model\":\"main\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}"));
        // a 400 the provider relays to the client
        provider.then(Reply.json(400, "{\"error\":{\"message\":\"Unsupported parameter: 'foo'" + quoted
                + "\",\"type\":\"invalid_request_error\",\"param\":\"foo\",\"code\":\"unsupported_parameter\"}}"));
        record(gateway.chat("main"));
        // a 429, then its cooldown, then a 429 from 429chain itself while cooling
        provider.then(Reply.json(429, "{\"error\":{\"message\":\"Rate limit reached" + quoted + "\",\"type\":\"tokens\","
                + "\"code\":\"rate_limit_exceeded\"}}").withHeader("Retry-After", "0.3"));
        record(gateway.chat("main"));
        record(gateway.chat("main"));
        gateway.awaitNotCooling("main", "model-a");
        // a 500 HTML page
        provider.then(new Reply(500, Map.of("Content-Type", "text/html"), "<html><body>Internal error" + quoted + "</body></html>",
                Duration.ZERO));
        record(gateway.chat("main"));
        // a 200 holding an error
        provider.then(Reply.json(200, "{\"error\":{\"message\":\"upstream exploded" + quoted + "\",\"code\":500}}"));
        record(gateway.chat("main"));
        // streams: an error event before the first token, a cut after it, an error event after it
        provider.then(Reply.stream(StreamScript.events("{\"error\":{\"message\":\"overloaded" + quoted + "\",\"code\":503}}")));
        record(gateway.streamChat("main"));
        provider.then(Reply.stream(StreamScript.chat("model-a", "a", "b", "c", "d").cutAfter(3)));
        record(gateway.streamChat("main"));
        provider.then(Reply.stream(StreamScript.chat("model-a", "a", "b").noDone()
                .thenEvents("{\"error\":{\"message\":\"Provider returned error" + quoted + "\",\"code\":502}}")));
        record(gateway.streamChat("main"));
        // a client that leaves mid-stream
        provider.then(Reply.stream(StreamScript.chat("model-a", "1", "2", "3", "4", "5", "6").interval(Duration.ofMillis(100))));
        leaveMidStream();
        // a 401: the provider is disabled, later requests skip it
        provider.then(Reply.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + (quoteKey ? CANARY : "sk-test-****cdef")
                + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));
        record(gateway.chat("doomed"));
        record(gateway.chat("doomed"));
        record(gateway.streamChat("doomed"));
        // the server's own refusals
        record(gateway.get("/v1/nothing"));
        record(gateway.get("/v1/chat/completions"));
        record(gateway.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(GatewayFolders.BODY_LIMIT) + "\"}]}"));
        // what operators see
        record(gateway.get("/v1/ratelimits"));
        record(gateway.get("/v1/models"));
        record(get("http://127.0.0.1:" + managementPort + "/health"));
        record(get("http://127.0.0.1:" + managementPort + "/metrics"));
        awaitQuiet();
    }

    private void assertNoLeak() throws Exception {
        List<String> mbeans = mbeanAttributes();
        gateway.close(); // writes the state file
        gateway = null;
        List<String> stateFiles = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                stateFiles.add(file + ": " + Files.readString(file));
            }
        }

        assertThat(seen).as("responses").hasSizeGreaterThan(20);
        assertThat(mbeans).as("MBean attributes").hasSizeGreaterThan(100);
        assertThat(logs.lines()).as("log lines").isNotEmpty();
        assertClean("responses", seen);
        assertClean("MBean attributes", mbeans);
        assertClean("state files", stateFiles);
        assertClean("log lines as written by log4j2.xml's layout", logs.lines());
        assertClean("stdout/stderr", List.of(logs.console()));
        assertClean("log events as logged (before the layout's redaction)", logs.rawEvents());
    }

    private static void assertClean(String where, List<String> texts) {
        List<String> hits = texts.stream().filter(t -> t.contains(CANARY) || t.contains(MIDDLE)).toList();
        assertThat(hits).as("%s holding the key", where).isEmpty();
    }

    private void record(HttpResponse<String> response) {
        seen.add(response.request().method() + " " + response.request().uri() + " -> " + response.statusCode() + "\n"
                + response.headers().map() + "\n" + response.body());
    }

    private void record(RunningGateway.Streamed streamed) {
        seen.add("stream -> " + streamed.status() + "\n" + streamed.response().headers().map() + "\n" + streamed.raw());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(java.net.URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private void leaveMidStream() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
            byte[] body = "{\"model\":\"main\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            InputStream in = socket.getInputStream();
            byte[] first = new byte[512];
            int n = in.read(first);
            seen.add("left mid-stream after: " + (n < 0 ? "" : new String(first, 0, n, StandardCharsets.UTF_8)));
        }
    }

    /** Lets what a request leaves behind (a cancelled stream, its log line) finish before looking. */
    private void awaitQuiet() {
        provider.awaitNoOpenStreams(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.camelContext().getInflightRepository().size() == 0
                && BusyThreads.count() == 0);
    }

    /** Every readable attribute of every MBean of the platform server, as text. */
    private static List<String> mbeanAttributes() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<String> values = new ArrayList<>();
        for (ObjectName name : server.queryNames(null, null)) {
            values.add(name.toString());
            MBeanAttributeInfo[] attributes;
            try {
                attributes = server.getMBeanInfo(name).getAttributes();
            } catch (Exception e) {
                continue;
            }
            for (MBeanAttributeInfo attribute : attributes) {
                if (!attribute.isReadable()) {
                    continue;
                }
                try {
                    values.add(name + " " + attribute.getName() + " = " + deepToString(server.getAttribute(name, attribute.getName())));
                } catch (Exception | LinkageError e) {
                    values.add(name + " " + attribute.getName() + " ! " + e);
                }
            }
        }
        return values;
    }

    private static String deepToString(Object value) {
        if (value instanceof Object[] array) {
            return java.util.Arrays.deepToString(array);
        }
        if (value != null && value.getClass().isArray()) {
            int length = java.lang.reflect.Array.getLength(value);
            StringBuilder text = new StringBuilder("[");
            for (int i = 0; i < length; i++) {
                text.append(i > 0 ? ", " : "").append(java.lang.reflect.Array.get(value, i));
            }
            return text.append(']').toString();
        }
        return String.valueOf(value);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * Everything logged while it runs: each event as log4j2.xml's console layout writes it, and as it was logged (its
     * message and exception before any layout), with 429chain's own loggers opened down to TRACE; and whatever the
     * process prints to stdout and stderr.
     */
    static final class LogCapture {

        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final List<String> raw = new CopyOnWriteArrayList<>();
        private final ByteArrayOutputStream console = new ByteArrayOutputStream();
        private final PrintStream out = System.out;
        private final PrintStream err = System.err;
        private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
        private AbstractAppender appender;
        private Level chain429Level;

        static LogCapture start() {
            LogCapture capture = new LogCapture();
            capture.attach();
            return capture;
        }

        private void attach() {
            Configuration config = context.getConfiguration();
            Layout<?> layout = config.getAppender("out").getLayout();
            appender = new AbstractAppender("secret-leak-capture", null, layout, true, Property.EMPTY_ARRAY) {
                @Override
                public void append(LogEvent event) {
                    lines.add(new String(getLayout().toByteArray(event), StandardCharsets.UTF_8));
                    StringBuilder text = new StringBuilder(event.getLoggerName()).append(' ')
                            .append(event.getMessage().getFormattedMessage());
                    for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
                        java.io.StringWriter trace = new java.io.StringWriter();
                        t.printStackTrace(new java.io.PrintWriter(trace));
                        text.append('\n').append(trace);
                    }
                    raw.add(text.toString());
                }
            };
            appender.start();
            config.getRootLogger().addAppender(appender, Level.ALL, null);
            LoggerConfig chain429 = config.getLoggerConfig("io.chain429");
            chain429Level = chain429.getLevel();
            chain429.setLevel(Level.TRACE);
            context.updateLoggers();
            System.setOut(new PrintStream(new TeeStream(out, console), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new TeeStream(err, console), true, StandardCharsets.UTF_8));
        }

        List<String> lines() {
            return List.copyOf(lines);
        }

        List<String> rawEvents() {
            return List.copyOf(raw);
        }

        String console() {
            synchronized (console) {
                return console.toString(StandardCharsets.UTF_8);
            }
        }

        void stop() {
            System.setOut(out);
            System.setErr(err);
            Configuration config = context.getConfiguration();
            config.getRootLogger().removeAppender(appender.getName());
            config.getLoggerConfig("io.chain429").setLevel(chain429Level);
            context.updateLoggers();
            appender.stop();
        }

        private static final class TeeStream extends OutputStream {
            private final OutputStream first;
            private final ByteArrayOutputStream second;

            TeeStream(OutputStream first, ByteArrayOutputStream second) {
                this.first = first;
                this.second = second;
            }

            @Override
            public void write(int b) throws IOException {
                first.write(b);
                synchronized (second) {
                    second.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                first.write(b, off, len);
                synchronized (second) {
                    second.write(b, off, len);
                }
            }

            @Override
            public void flush() throws IOException {
                first.flush();
            }
        }
    }
}
