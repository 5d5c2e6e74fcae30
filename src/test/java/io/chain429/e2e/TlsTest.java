package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RunningGateway.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chain429.config.ConfigException;
import io.chain429.e2e.RunningGateway.Streamed;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS on the proxy port, from a PEM certificate and key ({@code CHAIN429_TLS_CERT}, {@code CHAIN429_TLS_KEY}). */
@ExtendWith(GatewayExtension.class)
class TlsTest {

    private static final String CHAT = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    static Path files;
    private static SelfSignedCertificate rsa;
    private static SelfSignedCertificate ec;
    private static SelfSignedCertificate other;

    @Simulated("p")
    private ProviderSimulator provider;
    private RunningGateway gateway;

    @BeforeAll
    static void makeCertificates() throws Exception {
        rsa = SelfSignedCertificate.create(files, "server", "RSA");
        ec = SelfSignedCertificate.create(files, "ec-server", "EC");
        other = SelfSignedCertificate.create(files, "other", "RSA");
    }

    private String gatewayYaml() {
        return """
                version: 1
                providers:
                  - id: p
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(provider.baseUrl());
    }

    /** Boots serving {@code served}'s certificate; the harness's client trusts it. */
    private RunningGateway boot(SelfSignedCertificate served, Map<String, String> moreEnvironment) throws Exception {
        Map<String, String> env = new HashMap<>(moreEnvironment);
        env.put("CHAIN429_TLS_CERT", served.certificate().toString());
        env.put("CHAIN429_TLS_KEY", served.privateKey().toString());
        return RunningGateway.start(gatewayYaml(), chains("solo", "p/m"), env, served.trustingIt());
    }

    private RunningGateway bootWith(Map<String, String> env) throws Exception {
        return RunningGateway.start(gatewayYaml(), chains("solo", "p/m"), env);
    }

    @Test
    void aClientTrustingTheCertificateGetsCompletionsAndStreamsOverHttps() throws Exception {
        gateway = boot(rsa, Map.of());
        assertThat(gateway.baseUrl()).startsWith("https://");

        HttpResponse<String> answer = gateway.chat("solo");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(json(answer).path("choices").path(0).path("message").path("content").asText()).isEqualTo("hello from p");
        assertThat(answer.headers().firstValue("X-429chain-Provider")).hasValue("p/m");

        provider.then(Reply.stream(StreamScript.chat("m", "sealed ", "in ", "transit")));
        Streamed streamed = gateway.streamChat("solo");
        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.header("Content-Type")).startsWith("text/event-stream");
        assertThat(streamed.content()).isEqualTo("sealed in transit");
        assertThat(streamed.endsWithDone()).isTrue();
    }

    @Test
    void anEcCertificateIsServedToo() throws Exception {
        gateway = boot(ec, Map.of());

        HttpResponse<String> answer = gateway.chat("solo");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(json(answer).path("choices").path(0).path("message").path("content").asText()).isEqualTo("hello from p");
    }

    @Test
    void overHttpsTooSlowHeadersGetA408AndAmbiguousFramingA400AndBothConnectionsClose() throws Exception {
        gateway = boot(rsa, Map.of("CHAIN429_HEADER_TIMEOUT", "1s"));
        assertThat(gateway.chat("solo").statusCode()).isEqualTo(200);
        int port = gateway.uri("/").getPort();

        try (SSLSocket socket = (SSLSocket) rsa.trustingIt().getSocketFactory().createSocket("127.0.0.1", port);
             RawConnection slow = RawConnection.over(socket)) {
            socket.startHandshake();
            slow.trickle("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", Duration.ofMillis(50));

            RawConnection.Answer answer = slow.readAnswer();

            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(slow.closedByServer()).isTrue();
        }
        try (SSLSocket socket = (SSLSocket) rsa.trustingIt().getSocketFactory().createSocket("127.0.0.1", port);
             RawConnection smuggler = RawConnection.over(socket)) {
            smuggler.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");

            assertThat(smuggler.readAnswer().status()).isEqualTo(400);
            assertThat(smuggler.closedByServer()).isTrue();
        }
        assertThat(provider.requestCount()).as("only the first request reached a provider").isEqualTo(1);
    }

    @Test
    void plainHttpToTheHttpsPortGetsNoAnswer() throws Exception {
        gateway = boot(rsa, Map.of());
        URI plain = URI.create(gateway.uri("/v1/chat/completions").toString().replaceFirst("^https:", "http:"));
        HttpRequest request = HttpRequest.newBuilder(plain).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();

        assertThatThrownBy(() -> HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        assertThat(provider.requestCount()).as("nothing reached a provider").isZero();
        assertThat(gateway.chat("solo").statusCode()).as("HTTPS still served").isEqualTo(200);
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateFailsTheHandshake() throws Exception {
        gateway = boot(rsa, Map.of());
        HttpRequest request = HttpRequest.newBuilder(gateway.uri("/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();

        for (SSLContext distrustful : new SSLContext[] {SSLContext.getDefault(), other.trustingIt()}) {
            assertThatThrownBy(() -> HttpClient.newBuilder().sslContext(distrustful).build()
                    .send(request, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(SSLHandshakeException.class);
        }
        assertThat(provider.requestCount()).as("nothing reached a provider").isZero();
    }

    @Test
    void onAnExposedAddressTheStartUpLogNamesTheCertificateAndThePlainHttpWarningIsGone() throws Exception {
        StringWriter log = new StringWriter();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig chain429 = context.getConfiguration().getLoggerConfig("io.chain429");
        WriterAppender appender = WriterAppender.newBuilder().setName("tls-test-capture").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %m%n").build()).build();
        appender.start();
        chain429.addAppender(appender, null, null);
        context.updateLoggers();
        try {
            gateway = boot(rsa, Map.of("CHAIN429_HOST", "0.0.0.0", "CHAIN429_API_KEYS", "tls-client-key"));
        } finally {
            chain429.removeAppender("tls-test-capture");
            context.updateLoggers();
        }

        // (the "serving ... on https://" line comes after Main.run() starts: PackagedJarIT reads it)
        assertThat(log.toString())
                .contains("INFO HTTPS on the proxy port: certificate CN=localhost, valid until ")
                .contains("from " + rsa.certificate())
                .doesNotContain("plain HTTP");
        assertThat(gateway.post("/v1/chat/completions", CHAT, "Authorization", "Bearer tls-client-key").statusCode()).isEqualTo(200);
    }

    @Test
    void aKeyThatIsNotTheCertificatesStopsStartUpNamingTheKeyFile() {
        Map<String, String> otherRsaKey = Map.of("CHAIN429_TLS_CERT", rsa.certificate().toString(),
                "CHAIN429_TLS_KEY", other.privateKey().toString());
        assertThatThrownBy(() -> bootWith(otherRsaKey))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(other.privateKey() + ": CHAIN429_TLS_KEY: ")
                .hasMessageContaining("does not belong to the certificate in " + rsa.certificate());

        Map<String, String> ecKey = Map.of("CHAIN429_TLS_CERT", rsa.certificate().toString(),
                "CHAIN429_TLS_KEY", ec.privateKey().toString());
        assertThatThrownBy(() -> bootWith(ecKey))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(ec.privateKey() + ": CHAIN429_TLS_KEY: ");
    }

    @Test
    void aMissingKeyFileStopsStartUpNamingIt() {
        Path absent = files.resolve("absent.key");

        assertThatThrownBy(() -> bootWith(Map.of("CHAIN429_TLS_CERT", rsa.certificate().toString(), "CHAIN429_TLS_KEY", absent.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessage(absent + ": CHAIN429_TLS_KEY: no such file");
    }

    @Test
    void aCertificateFileWithoutACertificateStopsStartUpNamingIt() {
        // the two settings swapped: a classic
        assertThatThrownBy(() -> bootWith(Map.of("CHAIN429_TLS_CERT", rsa.privateKey().toString(),
                "CHAIN429_TLS_KEY", rsa.certificate().toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessage(rsa.privateKey() + ": CHAIN429_TLS_CERT: holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }

    @Test
    void aCertificateWithoutItsKeyStopsStartUp() {
        assertThatThrownBy(() -> bootWith(Map.of("CHAIN429_TLS_CERT", rsa.certificate().toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("CHAIN429_TLS_KEY: is not set but CHAIN429_TLS_CERT=" + rsa.certificate() + " is");
    }
}
