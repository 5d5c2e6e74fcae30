package io.chain429.e2e;

import io.chain429.e2e.simulator.ProviderSimulator;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The end-to-end tests' set-up and clean-up, written once: before each test a {@link ProviderSimulator} is started in
 * every {@link Simulated} field; after it the {@link RunningGateway} the test left in a {@code RunningGateway} field is
 * stopped, then the simulators (they live in the test's {@link ExtensionContext.Store}, which closes them). Static
 * fields do the same once for the class: before its {@code @BeforeAll} methods, and after its {@code @AfterAll} ones.
 *
 * <p>A test's folders (a data folder, a config folder) are JUnit's {@code @TempDir}s, deleted after the gateway stopped.
 * The gateway itself stays the test's to start, since each test chooses its configuration.
 */
final class GatewayExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(GatewayExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        startSimulators(context, null, true);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        startSimulators(context, context.getRequiredTestInstance(), false);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        stopGateways(context, context.getRequiredTestInstance(), false);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stopGateways(context, null, true);
    }

    /** @param test the test instance, or null for the class's static fields */
    private static void startSimulators(ExtensionContext context, Object test, boolean statics) throws Exception {
        for (Field field : fields(context, statics, field -> field.isAnnotationPresent(Simulated.class))) {
            String name = field.getAnnotation(Simulated.class).value();
            ProviderSimulator simulator = new ProviderSimulator(name.isEmpty() ? field.getName() : name);
            context.getStore(NAMESPACE).put(field, simulator); // closed when the test's (or the class's) store is
            field.set(test, simulator);
        }
    }

    private static void stopGateways(ExtensionContext context, Object test, boolean statics) throws Exception {
        for (Field field : fields(context, statics, field -> field.getType() == RunningGateway.class)) {
            if (field.get(test) instanceof RunningGateway gateway) {
                gateway.close();
            }
        }
    }

    private static List<Field> fields(ExtensionContext context, boolean statics, Predicate<Field> wanted) {
        List<Field> fields = ReflectionSupport.findFields(context.getRequiredTestClass(),
                wanted.and(field -> Modifier.isStatic(field.getModifiers()) == statics), HierarchyTraversalMode.TOP_DOWN);
        fields.forEach(field -> field.setAccessible(true));
        return fields;
    }
}
