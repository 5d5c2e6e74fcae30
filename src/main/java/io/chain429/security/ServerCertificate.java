package io.chain429.security;

import io.chain429.config.ConfigException;
import io.chain429.config.TlsFiles;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.X509KeyManager;
import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;

/**
 * The certificate and private key the proxy port serves HTTPS with, read from the PEM files of {@link TlsFiles} and
 * checked at start-up — readable, really PEM, and the key belonging to the certificate — so that a mistake stops
 * 429chain with a message naming the setting and the file, instead of failing every client's handshake later.
 *
 * <p>Vert.x's own PEM reader does the parsing: it takes the key forms certificate tools write ({@code BEGIN PRIVATE
 * KEY}, {@code BEGIN RSA PRIVATE KEY}, {@code BEGIN EC PRIVATE KEY}) and a certificate file that carries the
 * intermediate certificates after the server's own. Given the files' contents rather than their paths, it needs no
 * Vert.x instance (hence {@code getKeyManagerFactory(null)}), so it runs before Camel does. The key and chain it
 * yields are handed to Camel as {@link SSLContextParameters}, the way platform-http takes TLS.
 */
public final class ServerCertificate {

    /** Protects nothing: the store lives only in this process's memory, and Camel's parameters need some password. */
    private static final char[] STORE_PASSWORD = "429chain-in-memory".toCharArray();

    private static final Pattern CERTIFICATE_BLOCK =
            Pattern.compile("-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]*-----END CERTIFICATE-----");

    private final KeyStore keyStore;
    private final X509Certificate certificate;
    private final TlsFiles files;

    private ServerCertificate(KeyStore keyStore, X509Certificate certificate, TlsFiles files) {
        this.keyStore = keyStore;
        this.certificate = certificate;
        this.files = files;
    }

    /** @throws ConfigException naming the setting and the file at fault */
    public static ServerCertificate load(TlsFiles files) {
        Buffer certificatePem = read(files.certificate(), TlsFiles.CERT_SETTING);
        Buffer keyPem = read(files.privateKey(), TlsFiles.KEY_SETTING);
        requireCertificates(certificatePem, files.certificate());
        requireUnencrypted(keyPem, files.privateKey());
        X509KeyManager parsed;
        try {
            parsed = (X509KeyManager) new PemKeyCertOptions().addCertValue(certificatePem).addKeyValue(keyPem)
                    .getKeyManagerFactory(null).getKeyManagers()[0];
        } catch (Exception e) {
            // the certificates alone were readable (requireCertificates): what is left to fail is the key
            throw problem(files.privateKey(), TlsFiles.KEY_SETTING, "cannot be used as the certificate's private key: "
                    + e.getMessage() + " (expected the unencrypted PEM key of the certificate in " + files.certificate()
                    + ": -----BEGIN PRIVATE KEY-----, -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
        }
        String alias = Stream.of("RSA", "EC")
                .map(keyType -> parsed.getServerAliases(keyType, null))
                .filter(aliases -> aliases != null && aliases.length > 0)
                .map(aliases -> aliases[0])
                .findFirst()
                .orElseThrow(() -> problem(files.privateKey(), TlsFiles.KEY_SETTING, "holds neither an RSA nor an EC private key"));
        PrivateKey key = parsed.getPrivateKey(alias);
        X509Certificate[] chain = parsed.getCertificateChain(alias);
        requireMatch(key, chain[0], files);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("429chain", key, STORE_PASSWORD, chain);
            return new ServerCertificate(store, chain[0], files);
        } catch (GeneralSecurityException | IOException e) {
            throw problem(files.privateKey(), TlsFiles.KEY_SETTING, "cannot be used: " + e.getMessage());
        }
    }

    /** For {@code camel.server.useGlobalSslContextParameters}: the proxy port presents this certificate. */
    public SSLContextParameters sslContextParameters() {
        KeyStoreParameters store = new KeyStoreParameters();
        store.setKeyStore(keyStore);
        KeyManagersParameters keyManagers = new KeyManagersParameters();
        keyManagers.setKeyStore(store);
        keyManagers.setKeyPassword(new String(STORE_PASSWORD));
        SSLContextParameters parameters = new SSLContextParameters();
        parameters.setKeyManagers(keyManagers);
        return parameters;
    }

    public boolean expiredAt(Instant now) {
        return certificate.getNotAfter().toInstant().isBefore(now);
    }

    /** For the start-up log: whose certificate, until when, from which file. */
    public String describe() {
        return certificate.getSubjectX500Principal().getName() + ", valid until " + certificate.getNotAfter().toInstant()
                + ", from " + files.certificate();
    }

    private static Buffer read(Path file, String setting) {
        try {
            return Buffer.buffer(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw problem(file, setting, "no such file");
        } catch (IOException e) {
            throw problem(file, setting, "cannot be read: " + e);
        }
    }

    /** Each certificate block on its own, so that a broken one is reported as the certificate file's fault. */
    private static void requireCertificates(Buffer pem, Path file) {
        Matcher blocks = CERTIFICATE_BLOCK.matcher(pem.toString(StandardCharsets.US_ASCII));
        int found = 0;
        while (blocks.find()) {
            found++;
            try {
                CertificateFactory.getInstance("X.509").generateCertificate(
                        new ByteArrayInputStream(blocks.group().getBytes(StandardCharsets.US_ASCII)));
            } catch (CertificateException e) {
                throw problem(file, TlsFiles.CERT_SETTING, "certificate " + found + " in the file cannot be read: " + e.getMessage());
            }
        }
        if (found == 0) {
            throw problem(file, TlsFiles.CERT_SETTING, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
    }

    private static void requireUnencrypted(Buffer pem, Path file) {
        String text = pem.toString(StandardCharsets.US_ASCII);
        if (text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED")) {
            throw problem(file, TlsFiles.KEY_SETTING, "the private key is encrypted, and 429chain takes no passphrase:"
                    + " decrypt it into a file only 429chain's user can read (openssl pkey -in <encrypted> -out <plain>)");
        }
    }

    /** A key from another certificate would only show as every client's handshake failing: refuse it now. */
    private static void requireMatch(PrivateKey key, X509Certificate certificate, TlsFiles files) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "429chain key check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false; // e.g. an EC key for an RSA certificate
        }
        if (!matches) {
            throw problem(files.privateKey(), TlsFiles.KEY_SETTING, "this private key does not belong to the certificate in "
                    + files.certificate() + " (" + TlsFiles.CERT_SETTING + ", " + certificate.getSubjectX500Principal().getName()
                    + ")");
        }
    }

    private static ConfigException problem(Path file, String setting, String problem) {
        return new ConfigException(file.toString(), 0, setting, problem);
    }
}
