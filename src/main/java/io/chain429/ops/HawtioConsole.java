package io.chain429.ops;

import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.ObjectName;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hawtio console at {@code /hawtio}: {@code hawtio.war} (hawtio-war 4.2.0, copied into the classes by the build)
 * unpacked into a temporary folder and deployed as a {@link WebAppContext}, with its own Jolokia at
 * {@code /hawtio/jolokia} reading the platform MBean server (where Camel registers its MBeans).
 *
 * <p>Hawtio is configured through {@code hawtio.*} system properties: those in {@code <consoleDir>/hawtio.properties}
 * apply unless already set with {@code -D}; the ones that tie Hawtio to the {@link ConsoleRealm} are always forced.
 * {@code <consoleDir>/hawtconfig.json} (branding) replaces the war's own.
 */
final class HawtioConsole {

    private static final String ALLOW_ALL_SECURITY = "hawtio:type=security,area=jmx,name=HawtioDummyJMXSecurity";

    static final String CONTEXT_PATH = "/hawtio";
    static final String WAR_RESOURCE = "hawtio.war";
    static final String PROPERTIES_FILE = "hawtio.properties";
    static final String BRANDING_FILE = "hawtconfig.json";

    private static final Logger LOG = LoggerFactory.getLogger(HawtioConsole.class);

    /** Settings that make Hawtio authenticate against the console realm; not overridable. */
    static final Map<String, String> FORCED = forced();

    /** Defaults for settings an operator may change in hawtio.properties or with -D. */
    static final Map<String, String> DEFAULTS = Map.of(
            "hawtio.disableProxy", "true",
            "hawtio.authenticationThrottled", "true",
            "hawtio.sessionTimeout", "1800");

    private final ConsoleCredentials credentials;
    private final Path consoleDir;
    private Path workDir;
    private ConsolePlugin plugin;

    HawtioConsole(ConsoleCredentials credentials, Path consoleDir) {
        this.credentials = credentials;
        this.consoleDir = consoleDir;
    }

    private static Map<String, String> forced() {
        Map<String, String> forced = new LinkedHashMap<>();
        forced.put("hawtio.authenticationEnabled", "true");
        forced.put("hawtio.auth", "true");
        forced.put("hawtio.realm", ConsoleRealm.NAME);
        forced.put("hawtio.roles", ConsoleLoginModule.ROLE);
        forced.put("hawtio.rolePrincipalClasses", ConsoleLoginModule.RolePrincipal.class.getName());
        forced.put("hawtio.keycloakEnabled", "false");
        return Map.copyOf(forced);
    }

    /** Whether the build put the war on the classpath. */
    static boolean warAvailable() {
        return HawtioConsole.class.getClassLoader().getResource(WAR_RESOURCE) != null;
    }

    /** Unpacks the war, applies the settings and the branding, and activates the realm. */
    WebAppContext prepare() throws IOException {
        workDir = Files.createTempDirectory("429chain-hawtio-");
        Path webapp = workDir.resolve("webapp");
        unpackWar(webapp);
        if (ConsolePlugin.available()) {
            plugin = new ConsolePlugin();
            plugin.install(webapp);
            plugin.register();
        } else {
            LOG.warn("console: built without the 429chain view (npm was not found at build time, or -Dconsole.skip): the console shows Camel and JMX only");
        }
        Path branding = consoleDir.resolve(BRANDING_FILE);
        if (Files.isRegularFile(branding)) {
            Files.copy(branding, webapp.resolve(BRANDING_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
        applySystemProperties(readProperties(consoleDir.resolve(PROPERTIES_FILE)));
        ConsoleRealm.activate(credentials);

        WebAppContext context = new WebAppContext();
        context.setContextPath(CONTEXT_PATH);
        context.setWar(webapp.toString());
        context.setTempDirectory(Files.createDirectories(workDir.resolve("jetty")).toFile());
        context.setParentLoaderPriority(false);
        context.setThrowUnavailableOnStartupException(false);
        context.setInitParameter("org.eclipse.jetty.servlet.Default.dirAllowed", "false");
        context.setInitParameter("org.eclipse.jetty.ee10.servlet.Default.dirAllowed", "false");
        context.addFilter(ConsoleLoginRedirectFilter.class, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addFilter(ImmutableAssetCaching.class, ImmutableAssetCaching.PATH, EnumSet.of(DispatcherType.REQUEST));
        return context;
    }

    /**
     * Unregisters the JMX access list Hawtio registers when it has no real one: it allows every operation to every
     * user, as the console's single account is allowed anyway. While it is registered, every page load of the console
     * first asks it about each operation of each MBean (a round trip and its processing before the first view draws);
     * without it the console offers the same operations.
     */
    void withdrawAllowAllAccessList() {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(new ObjectName(ALLOW_ALL_SECURITY));
        } catch (InstanceNotFoundException e) {
            // a Hawtio that does not register it
        } catch (JMException e) {
            LOG.warn("console: Hawtio's allow-all JMX access list stays registered, so each console page loads slower: {}", e.toString());
        }
    }

    /** Deactivates the account and deletes the unpacked war. */
    void close() {
        ConsoleRealm.deactivate(credentials);
        if (plugin != null) {
            plugin.unregister();
            plugin = null;
        }
        if (workDir != null) {
            deleteTree(workDir);
            workDir = null;
        }
    }

    /**
     * Unpacks everything but Hawtio's own logging jars and configuration: without them Hawtio logs through the
     * application's SLF4J and log4j2 set-up like the rest of 429chain.
     */
    private static void unpackWar(Path target) throws IOException {
        Files.createDirectories(target);
        try (InputStream in = HawtioConsole.class.getClassLoader().getResourceAsStream(WAR_RESOURCE)) {
            if (in == null) {
                throw new IOException(WAR_RESOURCE + " is not on the classpath (built without maven-dependency-plugin?)");
            }
            try (ZipInputStream zip = new ZipInputStream(in)) {
                for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                    String name = entry.getName();
                    if (skipped(name)) {
                        continue;
                    }
                    Path out = target.resolve(name).normalize();
                    if (!out.startsWith(target)) {
                        throw new IOException("refusing war entry outside the target folder: " + name);
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(out);
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(zip, out, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    static boolean skipped(String entry) {
        if (entry.equals("WEB-INF/classes/log4j2.properties")) {
            return true;
        }
        if (!entry.startsWith("WEB-INF/lib/")) {
            return false;
        }
        String jar = entry.substring("WEB-INF/lib/".length());
        return jar.startsWith("log4j-") || jar.startsWith("slf4j-");
    }

    static Properties readProperties(Path file) throws IOException {
        Properties properties = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            }
        }
        return properties;
    }

    static void applySystemProperties(Properties file) {
        for (String name : file.stringPropertyNames()) {
            String value = file.getProperty(name).trim();
            if (!name.startsWith("hawtio.")) {
                LOG.warn("{}: ignoring {} (only hawtio.* settings are read)", PROPERTIES_FILE, name);
            } else if (FORCED.containsKey(name)) {
                if (!FORCED.get(name).equals(value)) {
                    LOG.warn("{}: ignoring {}={}: the console always uses {}", PROPERTIES_FILE, name, value,
                            FORCED.get(name));
                }
            } else if (System.getProperty(name) == null) {
                System.setProperty(name, value);
            }
        }
        DEFAULTS.forEach((name, value) -> {
            if (System.getProperty(name) == null) {
                System.setProperty(name, value);
            }
        });
        FORCED.forEach(System::setProperty);
    }

    Optional<Path> workDir() {
        return Optional.ofNullable(workDir);
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.debug("could not delete {}: {}", root, e.toString());
        }
    }
}
