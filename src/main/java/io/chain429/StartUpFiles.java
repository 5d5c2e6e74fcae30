package io.chain429;

import io.chain429.chain.ChainFiles;
import io.chain429.chain.ChainSummary;
import io.chain429.chain.DeclaredChains;
import io.chain429.config.ClientConfig;
import io.chain429.config.ConfigException;
import io.chain429.config.ConfigLoader;
import io.chain429.config.GatewayConfig;
import io.chain429.config.ProviderConfig;
import io.chain429.config.RuntimeSettings;
import io.chain429.config.Secret;
import io.chain429.provider.AdapterRegistry;
import io.chain429.security.ServerCertificate;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up's first step: everything the user wrote, read and checked before anything starts, and reported in the log.
 *
 * @param adapters the provider types 429chain knows
 * @param config   {@code 429chain.yaml}
 * @param chains   the chains of the routes folder, and the chain template's defaults
 * @param clients  the client keys: {@code 429chain.yaml}'s and {@code CHAIN429_API_KEYS}'
 * @param tls      the proxy port's certificate, when HTTPS is configured
 */
record StartUpFiles(AdapterRegistry adapters, GatewayConfig config, DeclaredChains chains, List<ClientConfig> clients,
                    Optional<ServerCertificate> tls) {

    private static final Logger LOG = LoggerFactory.getLogger(StartUpFiles.class);

    /** @throws ConfigException when a file or setting is invalid */
    static StartUpFiles load(RuntimeSettings settings) {
        AdapterRegistry adapters = AdapterRegistry.builtIn();
        GatewayConfig config = ConfigLoader.load(settings.gatewayConfigFile(), settings.environment(), adapters);
        DeclaredChains chains = ChainFiles.load(settings.routesDir(), config);
        reportProviders(config);
        chains.all().forEach(chain -> LOG.info("{}", ChainSummary.of(chain, config.settings().defaultChain(),
                id -> config.provider(id).filter(ProviderConfig::enabled).isPresent())));
        List<ClientConfig> clients = clients(config, settings);
        Optional<ServerCertificate> tls = serverCertificate(settings);
        guardExposure(settings, clients, tls.isPresent());
        return new StartUpFiles(adapters, config, chains, clients, tls);
    }

    private static void reportProviders(GatewayConfig config) {
        for (ProviderConfig provider : config.providers()) {
            if (provider.enabled()) {
                LOG.info("provider {} ({}) enabled{}", provider.id(), provider.type(),
                        provider.apiKey().map(key -> ", key " + key.masked()).orElse(""));
            } else {
                LOG.warn("provider {} ({}) disabled: {}; its steps will be skipped", provider.id(), provider.type(),
                        provider.disabledReason().orElseThrow());
            }
        }
    }

    /** Clients from {@code 429chain.yaml}, plus one per key in {@code CHAIN429_API_KEYS} (comma-separated). */
    private static List<ClientConfig> clients(GatewayConfig config, RuntimeSettings settings) {
        List<ClientConfig> clients = new ArrayList<>(config.clients());
        String keys = settings.environment().getOrDefault("CHAIN429_API_KEYS", "");
        int n = 0;
        for (String key : keys.split(",")) {
            if (!key.isBlank()) {
                clients.add(new ClientConfig("key-" + ++n, Secret.of(key.trim()), ClientConfig.ClientLimits.NONE));
            }
        }
        LOG.info("{} client key(s) configured{}", clients.size(), clients.isEmpty() ? ": no authentication, loopback only" : "");
        return clients;
    }

    /** The proxy port's certificate, read and checked before anything starts: a mistake is a config error. */
    private static Optional<ServerCertificate> serverCertificate(RuntimeSettings settings) {
        Optional<ServerCertificate> certificate = settings.tls().map(ServerCertificate::load);
        certificate.ifPresent(served -> {
            LOG.info("HTTPS on the proxy port: certificate {}", served.describe());
            if (served.expiredAt(Instant.now())) {
                LOG.warn("*** the proxy port's certificate has expired: clients will refuse to connect. Renew it and restart ***");
            }
        });
        return certificate;
    }

    /**
     * Without client keys, anyone who can reach the port spends your quotas: only a loopback address is allowed then.
     * TLS does not change that (it encrypts, it does not authenticate clients), but it ends the plain-HTTP warning.
     */
    private static void guardExposure(RuntimeSettings settings, List<ClientConfig> clients, boolean tls) {
        boolean loopback;
        try {
            loopback = InetAddress.getByName(settings.host()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException("CHAIN429_HOST", 0, null, "unknown host '" + settings.host() + "'");
        }
        if (!loopback && clients.isEmpty()) {
            throw new ConfigException("CHAIN429_HOST", 0, null, "refusing to serve on " + settings.host()
                    + " without client keys: anyone reaching it could spend your provider quotas. Set CHAIN429_API_KEYS (or"
                    + " 'clients:' in 429chain.yaml), or keep CHAIN429_HOST=127.0.0.1");
        }
        if (!loopback && !tls) {
            LOG.warn("*** serving plain HTTP on {}: client keys and prompts cross the network unencrypted."
                    + " Set CHAIN429_TLS_CERT and CHAIN429_TLS_KEY, or put 429chain behind a TLS-terminating reverse proxy"
                    + " (see docker/) ***", settings.host());
        }
    }
}
