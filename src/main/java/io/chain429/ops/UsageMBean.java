package io.chain429.ops;

import io.chain429.usage.RequestRecord;
import io.chain429.usage.Usage;
import io.chain429.usage.UsageTotals;
import java.lang.management.ManagementFactory;
import java.util.List;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@code io.chain429:type=Usage} ({@link UsageMXBean}) on the platform MBean server while started. A name
 * already registered by another gateway in the same JVM is left alone, with a warning, as {@link ProviderMBeans} does.
 */
public final class UsageMBean implements UsageMXBean, AutoCloseable {

    public static final ObjectName NAME = name();
    private static final Logger LOG = LoggerFactory.getLogger(UsageMBean.class);

    private final Usage usage;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private boolean registered;

    public UsageMBean(Usage usage) {
        this.usage = usage;
    }

    public synchronized void start() {
        try {
            server.registerMBean(new StandardMBean(this, UsageMXBean.class, true), NAME);
            registered = true;
        } catch (InstanceAlreadyExistsException e) {
            LOG.warn("JMX: {} is already registered (another 429chain in this JVM?); left as it is", NAME);
        } catch (JMException e) {
            LOG.warn("JMX: {} not registered: {}", NAME, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (!registered) {
            return;
        }
        registered = false;
        try {
            server.unregisterMBean(NAME);
        } catch (InstanceNotFoundException e) {
            // already gone
        } catch (JMException e) {
            LOG.warn("JMX: {} not unregistered: {}", NAME, e.toString());
        }
    }

    @Override
    public String[] getRecentRequests() {
        return usage.recent().newestFirst().stream().map(RequestRecord::toJson).map(Object::toString).toArray(String[]::new);
    }

    @Override
    public List<UsageTotals.Row> getProviders() {
        return usage.totals().providers();
    }

    @Override
    public List<UsageTotals.Row> getChains() {
        return usage.totals().chains();
    }

    @Override
    public String getRequestLogFile() {
        return usage.log().file().toString();
    }

    @Override
    public long getDroppedLogLines() {
        return usage.log().dropped();
    }

    private static ObjectName name() {
        try {
            return new ObjectName(ProviderMBeans.DOMAIN + ":type=Usage");
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }
}
