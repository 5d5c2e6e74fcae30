package io.chain429.e2e;

import io.chain429.e2e.simulator.ProviderSimulator;
import java.lang.reflect.Field;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The end-to-end tests' set-up and clean-up, written once: before each test a {@link ProviderSimulator} is started in
 * every {@link Simulated} field; after it the {@link RunningGateway} the test left in a {@code RunningGateway} field is
 * stopped, then the simulators (they live in the test's {@link ExtensionContext.Store}, which closes them).
 *
 * <p>A test's folders (a data folder, a config folder) are JUnit's {@code @TempDir}s, deleted after the gateway stopped.
 * The gateway itself stays the test's to start, since each test chooses its configuration.
 */
final class GatewayExtension implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(GatewayExtension.class);

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        Object test = context.getRequiredTestInstance();
        for (Field field : fields(test, field -> field.isAnnotationPresent(Simulated.class))) {
            String name = field.getAnnotation(Simulated.class).value();
            ProviderSimulator simulator = new ProviderSimulator(name.isEmpty() ? field.getName() : name);
            context.getStore(NAMESPACE).put(field, simulator); // closed when the test's store is
            field.set(test, simulator);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Object test = context.getRequiredTestInstance();
        for (Field field : fields(test, field -> field.getType() == RunningGateway.class)) {
            if (field.get(test) instanceof RunningGateway gateway) {
                gateway.close();
            }
        }
    }

    private static List<Field> fields(Object test, Predicate<Field> wanted) {
        List<Field> fields = ReflectionSupport.findFields(test.getClass(), wanted, HierarchyTraversalMode.TOP_DOWN);
        fields.forEach(field -> field.setAccessible(true));
        return fields;
    }
}
