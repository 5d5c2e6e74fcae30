package io.chain429.config;

import java.nio.file.Path;

/**
 * The proxy port's TLS identity as configured: {@code CHAIN429_TLS_CERT} and {@code CHAIN429_TLS_KEY}, paths relative
 * to the working directory like every other runtime setting.
 *
 * @param certificate PEM file holding the server certificate, optionally followed by its intermediate certificates
 * @param privateKey  PEM file holding the certificate's unencrypted private key
 */
public record TlsFiles(Path certificate, Path privateKey) {

    public static final String CERT_SETTING = "CHAIN429_TLS_CERT";
    public static final String KEY_SETTING = "CHAIN429_TLS_KEY";
}
