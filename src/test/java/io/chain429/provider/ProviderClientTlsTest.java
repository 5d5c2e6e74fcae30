package io.chain429.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.chain429.config.ProviderConfig.Timeouts;
import io.chain429.e2e.SelfSignedCertificate;
import io.vertx.core.Vertx;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathBuilderException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An https provider, served by a real local TLS server with a certificate for {@code localhost} and 127.0.0.1: the
 * JVM's trust store decides whether it is trusted, its host name must match, and the client names the host it wants
 * (SNI), as providers behind shared front ends require.
 */
class ProviderClientTlsTest {

    private static final char[] PASSWORD = "test-only".toCharArray();
    // Generous: each case ends by its handshake's verdict, which on a busy machine may take seconds to come.
    private static final Timeouts PATIENT = new Timeouts(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60),
            Duration.ofSeconds(60), Duration.ofSeconds(120));

    @TempDir
    static Path dir;
    private static HttpsServer server;
    private static Path trustStore;
    private static final List<String> serverNames = new CopyOnWriteArrayList<>();

    private final Vertx vertx = Vertx.vertx();

    @BeforeAll
    static void startProvider() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir, "provider", "EC");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", privateKey(certificate.privateKey()), PASSWORD, new Certificate[] {certificate.x509()});
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);

        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("provider", certificate.x509());
        trustStore = dir.resolve("trusted.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trusted.store(out, PASSWORD);
        }

        // every local address, so that 127.0.0.2 (not in the certificate) reaches it too
        server = HttpsServer.create(new InetSocketAddress(0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/v1/models", exchange -> {
            ((ExtendedSSLSession) ((HttpsExchange) exchange).getSSLSession()).getRequestedServerNames()
                    .forEach(name -> serverNames.add(((SNIHostName) name).getAsciiName()));
            byte[] body = "{\"object\":\"list\",\"data\":[]}".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stopProvider() {
        server.stop(0);
    }

    @AfterEach
    void stop() {
        vertx.close();
        serverNames.clear();
        System.clearProperty("javax.net.ssl.trustStore");
        System.clearProperty("javax.net.ssl.trustStorePassword");
        System.clearProperty("javax.net.ssl.trustStoreType");
    }

    @Test
    void aCertificateTheJvmDoesNotTrustFailsTheCall() {
        ProviderClient client = new ProviderClients(vertx, 4).client(PATIENT);

        assertThatThrownBy(() -> client.get(uri("localhost"), Optional.empty()))
                .isInstanceOf(SSLHandshakeException.class)
                .hasRootCauseInstanceOf(CertPathBuilderException.class);
        assertThat(serverNames).as("no request was served").isEmpty();
    }

    @Test
    void aTrustedCertificateForTheHostIsAcceptedAndTheHostIsNamedInTheHandshake() throws Exception {
        trustTheProvider();
        ProviderClient client = new ProviderClients(vertx, 4).client(PATIENT);

        assertThat(client.get(uri("localhost"), Optional.empty()).status()).isEqualTo(200);
        assertThat(serverNames).contains("localhost");
    }

    @Test
    void aTrustedCertificateForAnotherHostIsRefused() {
        trustTheProvider();
        ProviderClient client = new ProviderClients(vertx, 4).client(PATIENT);

        assertThatThrownBy(() -> client.get(uri("127.0.0.2"), Optional.empty()))
                .isInstanceOf(SSLHandshakeException.class)
                .hasRootCauseInstanceOf(CertificateException.class)
                .rootCause().hasMessageContaining("127.0.0.2");
    }

    /** The JVM's default trust store, which the provider clients use, made of the provider's certificate alone. */
    private static void trustTheProvider() {
        System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", new String(PASSWORD));
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    }

    private static URI uri(String host) {
        return URI.create("https://" + host + ":" + server.getAddress().getPort() + "/v1/models");
    }

    private static PrivateKey privateKey(Path pem) throws Exception {
        String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }
}
