package io.chain429.ops;

import io.chain429.usage.RequestRecord;
import io.chain429.usage.Usage;
import io.chain429.usage.UsageTotals;
import java.util.List;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * Registers {@code io.chain429:type=Usage} ({@link UsageMXBean}) on the platform MBean server while started. A name
 * already registered by another gateway in the same JVM is left alone, with a warning, as {@link MBeanRegistrar} does.
 */
public final class UsageMBean implements UsageMXBean, AutoCloseable {

    public static final ObjectName NAME = MBeanRegistrar.name("type=Usage");

    private final Usage usage;
    private final MBeanRegistrar registrar = MBeanRegistrar.platform();

    public UsageMBean(Usage usage) {
        this.usage = usage;
    }

    public synchronized void start() {
        registrar.register(NAME, new StandardMBean(this, UsageMXBean.class, true));
    }

    @Override
    public synchronized void close() {
        registrar.unregisterAll();
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
}
