package io.chain429.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A fresh self-signed certificate for 127.0.0.1 and localhost, written as the two PEM files 429chain is given
 * ({@code CHAIN429_TLS_CERT}, {@code CHAIN429_TLS_KEY}), made at test time by the JDK's own {@code keytool}: the
 * build needs nothing beyond the JDK running it (no openssl), and no private key sits in the repository for secret
 * scanners to flag or for anyone to mistake for a real one.
 */
public record SelfSignedCertificate(Path certificate, Path privateKey, X509Certificate x509) {

    private static final char[] STORE_PASSWORD = "test-only".toCharArray();

    /** @param keyAlgorithm {@code RSA} or {@code EC}, the two kinds of key 429chain serves */
    public static SelfSignedCertificate create(Path dir, String name, String keyAlgorithm) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Process keytool = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", keyAlgorithm, "-dname", "CN=localhost",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", new String(STORE_PASSWORD), "-keypass", new String(STORE_PASSWORD), "-noprompt"))
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            keys.load(in, STORE_PASSWORD);
        }
        X509Certificate certificate = (X509Certificate) keys.getCertificate("server");
        Path certificatePem = Files.writeString(dir.resolve(name + ".crt"), pem("CERTIFICATE", certificate.getEncoded()));
        Path keyPem = Files.writeString(dir.resolve(name + ".key"),
                pem("PRIVATE KEY", keys.getKey("server", STORE_PASSWORD).getEncoded())); // PKCS#8, as openssl writes it
        return new SelfSignedCertificate(certificatePem, keyPem, certificate);
    }

    /** A TLS context that trusts this certificate, and nothing else. */
    public SSLContext trustingIt() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("server", x509);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
