package io.chain429.ops;

import io.chain429.ratelimit.StateBackendHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows operators where provider state lives and whether it answers: the MBean {@code io.chain429:type=StateBackend}
 * in Hawtio's JMX tree, and the metrics {@code chain429_state_backend_up{backend}} and
 * {@code chain429_state_backend_fallbacks_total{backend}} (decisions taken on this replica's own state because Redis
 * did not answer).
 */
public final class StateBackendMBean implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateBackendMBean.class);

    /** The console's view of the state backend. */
    public interface StateBackendMXBean {
        String getBackend();

        String getAddress();

        boolean isUp();

        long getFallbacks();

        String getLastError();
    }

    private final StateBackendHealth health;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private ObjectName registered;

    public StateBackendMBean(StateBackendHealth health, MeterRegistry metrics) {
        this.health = health;
        Gauge.builder("chain429.state.backend.up", health, h -> h.up() ? 1 : 0)
                .tag("backend", health.type()).description("1 when the provider state store answers").register(metrics);
        FunctionCounter.builder("chain429.state.backend.fallbacks", health, StateBackendHealth::fallbacks)
                .tag("backend", health.type()).description("decisions taken on local state because the shared store did not answer")
                .register(metrics);
    }

    public synchronized void start() {
        try {
            ObjectName name = new ObjectName(ProviderMBeans.DOMAIN + ":type=StateBackend");
            server.registerMBean(new javax.management.StandardMBean(new StateBackendMXBean() {
                @Override
                public String getBackend() {
                    return health.type();
                }

                @Override
                public String getAddress() {
                    return health.address();
                }

                @Override
                public boolean isUp() {
                    return health.up();
                }

                @Override
                public long getFallbacks() {
                    return health.fallbacks();
                }

                @Override
                public String getLastError() {
                    return health.lastError();
                }
            }, StateBackendMXBean.class, true), name);
            registered = name;
        } catch (InstanceAlreadyExistsException e) {
            LOG.warn("JMX: the StateBackend MBean is already registered (another 429chain in this JVM?); left as it is");
        } catch (JMException e) {
            LOG.warn("JMX: StateBackend MBean not registered: {}", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (registered != null) {
            try {
                server.unregisterMBean(registered);
            } catch (JMException e) {
                LOG.debug("JMX: {} already gone", registered);
            }
            registered = null;
        }
    }
}
