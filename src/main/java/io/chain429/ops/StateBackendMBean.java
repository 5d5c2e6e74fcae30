package io.chain429.ops;

import io.chain429.ratelimit.StateBackendHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * Shows operators where provider state lives and whether it answers: the MBean {@code io.chain429:type=StateBackend}
 * in Hawtio's JMX tree, and the metrics {@code chain429_state_backend_up{backend}} and
 * {@code chain429_state_backend_fallbacks_total{backend}} (decisions taken on this replica's own state because Redis
 * did not answer).
 */
public final class StateBackendMBean implements AutoCloseable {

    static final ObjectName NAME = MBeanRegistrar.name("type=StateBackend");

    /** The console's view of the state backend. */
    public interface StateBackendMXBean {
        String getBackend();

        String getAddress();

        boolean isUp();

        long getFallbacks();

        String getLastError();
    }

    private final StateBackendHealth health;
    private final MBeanRegistrar registrar = MBeanRegistrar.platform();

    public StateBackendMBean(StateBackendHealth health, MeterRegistry metrics) {
        this.health = health;
        Gauge.builder("chain429.state.backend.up", health, h -> h.up() ? 1 : 0)
                .tag("backend", health.type()).description("1 when the provider state store answers").register(metrics);
        FunctionCounter.builder("chain429.state.backend.fallbacks", health, StateBackendHealth::fallbacks)
                .tag("backend", health.type()).description("decisions taken on local state because the shared store did not answer")
                .register(metrics);
    }

    public synchronized void start() {
        registrar.register(NAME, new StandardMBean(new StateBackendMXBean() {
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
        }, StateBackendMXBean.class, true));
    }

    @Override
    public synchronized void close() {
        registrar.unregisterAll();
    }
}
