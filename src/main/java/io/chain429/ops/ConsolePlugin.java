package io.chain429.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's own view, {@code 429chain}: a Hawtio plugin built from {@code src/main/hawtio-plugin} into the classes
 * ({@code hawtio-plugin/}, listed in {@code files.txt}), copied next to the unpacked console and announced to it by
 * the {@code hawtio:type=plugin,name=429chain} MBean, which Hawtio's {@code /plugin} endpoint lists after login.
 *
 * <p>The build also ships the editor Hawtio 4.2's Source tab loads (Monaco, {@code monaco/vs}): the console fetches
 * it from a CDN, which a machine without internet never reaches ("Loading…" for ever), so its address in the
 * console's scripts is pointed at the local copy.
 */
final class ConsolePlugin implements ConsolePluginMBean {

    static final String RESOURCES = "hawtio-plugin/";
    static final String FOLDER = "plugins/429chain";
    static final String MONACO_CDN = "https://cdn.jsdelivr.net/npm/monaco-editor@0.43.0/min/vs";
    private static final Logger LOG = LoggerFactory.getLogger(ConsolePlugin.class);

    private final ObjectName name = name();
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private boolean registered;

    /** Whether the build put the plugin on the classpath ({@code -Dconsole.skip} leaves it out). */
    static boolean available() {
        return ConsolePlugin.class.getClassLoader().getResource(RESOURCES + "files.txt") != null;
    }

    /** Copies the plugin into the unpacked console and points the Source tab's editor at the local copy. */
    void install(Path webapp) throws IOException {
        Path target = webapp.resolve(FOLDER);
        for (String file : files()) {
            Path out = target.resolve(file).normalize();
            if (!out.startsWith(target)) {
                throw new IOException("refusing plugin file outside its folder: " + file);
            }
            Files.createDirectories(out.getParent());
            try (InputStream in = resource(file)) {
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (Files.isRegularFile(target.resolve("monaco/vs/loader.js"))) {
            pointEditorAt(webapp, HawtioConsole.CONTEXT_PATH + "/" + FOLDER + "/monaco/vs");
        }
    }

    private static void pointEditorAt(Path webapp, String local) throws IOException {
        Path scripts = webapp.resolve("static/js");
        if (!Files.isDirectory(scripts)) {
            return;
        }
        boolean found = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(scripts, "*.js")) {
            for (Path file : files) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                if (text.contains(MONACO_CDN)) {
                    Files.writeString(file, text.replace(MONACO_CDN, local), StandardCharsets.UTF_8);
                    found = true;
                }
            }
        }
        if (!found) {
            LOG.warn("console: the Source tab's editor address was not found in Hawtio's scripts; it may need the internet");
        }
    }

    private static List<String> files() throws IOException {
        List<String> files = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(resource("files.txt"), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (!line.isBlank()) {
                    files.add(line.strip());
                }
            }
        }
        return files;
    }

    private static InputStream resource(String file) throws IOException {
        InputStream in = ConsolePlugin.class.getClassLoader().getResourceAsStream(RESOURCES + file);
        if (in == null) {
            throw new IOException(RESOURCES + file + " is listed in files.txt but not on the classpath");
        }
        return in;
    }

    void register() {
        try {
            if (!server.isRegistered(name)) {
                server.registerMBean(this, name);
                registered = true;
            }
        } catch (JMException e) {
            LOG.warn("console: the 429chain view is not announced to Hawtio: {}", e.toString());
        }
    }

    void unregister() {
        if (registered) {
            registered = false;
            try {
                server.unregisterMBean(name);
            } catch (JMException e) {
                LOG.debug("could not unregister {}: {}", name, e.toString());
            }
        }
    }

    @Override
    public String getUrl() {
        return HawtioConsole.CONTEXT_PATH + "/" + FOLDER;
    }

    @Override
    public String getScope() {
        return "chain429";
    }

    @Override
    public String getModule() {
        return "./plugin";
    }

    @Override
    public String getRemoteEntryFileName() {
        return "remoteEntry.js";
    }

    @Override
    public boolean isBustRemoteEntryCache() {
        return true;
    }

    @Override
    public String getPluginEntry() {
        return "plugin";
    }

    private static ObjectName name() {
        try {
            return new ObjectName("hawtio:type=plugin,name=429chain");
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }
}
