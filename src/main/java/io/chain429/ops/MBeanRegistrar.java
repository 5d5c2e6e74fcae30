package io.chain429.ops;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers 429chain's MBeans under {@value #DOMAIN} and unregisters exactly those it registered. A name someone else
 * already holds (another gateway in the same JVM) is left alone, with one warning per name; registering it again later
 * is quiet. Not thread-safe: its owner synchronizes.
 */
final class MBeanRegistrar {

    static final String DOMAIN = "io.chain429";

    private static final Logger LOG = LoggerFactory.getLogger(MBeanRegistrar.class);

    private final MBeanServer server;
    private final Set<ObjectName> registered = new HashSet<>();
    /** Names someone else holds: warned about once. */
    private final Set<ObjectName> taken = new HashSet<>();

    MBeanRegistrar(MBeanServer server) {
        this.server = server;
    }

    /** On the platform MBean server, the one Hawtio's Jolokia reads. */
    static MBeanRegistrar platform() {
        return new MBeanRegistrar(ManagementFactory.getPlatformMBeanServer());
    }

    /** {@code io.chain429:<properties>}. */
    static ObjectName name(String properties) {
        try {
            return new ObjectName(DOMAIN + ":" + properties);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A name's property value as is when it is plain ({@code groq}, {@code llama-3.1-8b}), else quoted. */
    static String value(String raw) {
        boolean plain = !raw.isEmpty() && raw.chars().allMatch(c ->
                c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.'));
        return plain ? raw : ObjectName.quote(raw);
    }

    /** @return whether {@code mbean} is now registered under {@code name} */
    boolean register(ObjectName name, Object mbean) {
        try {
            server.registerMBean(mbean, name);
            registered.add(name);
            taken.remove(name);
            return true;
        } catch (InstanceAlreadyExistsException e) {
            if (taken.add(name)) {
                LOG.warn("JMX: {} is already registered (another 429chain in this JVM?); left as it is", name);
            }
            return false;
        } catch (JMException e) {
            LOG.warn("JMX: {} not registered: {}", name, e.toString());
            return false;
        }
    }

    /** Unregisters a name this registrar registered; any other name is left alone. */
    void unregister(ObjectName name) {
        if (!registered.remove(name)) {
            return;
        }
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            // already gone
        } catch (JMException e) {
            LOG.warn("JMX: {} not unregistered: {}", name, e.toString());
        }
    }

    /** Unregisters every name this registrar registered, and forgets the names others hold. */
    void unregisterAll() {
        new ArrayList<>(registered).forEach(this::unregister);
        taken.clear();
    }
}
