package io.chain429.ops;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.AppConfigurationEntry.LoginModuleControlFlag;
import javax.security.auth.login.Configuration;

/**
 * The JAAS realm Hawtio logs operators in with ({@code hawtio.realm=429chain}). Hawtio asks JAAS for a
 * {@code LoginContext} by realm name, so this configuration is installed JVM-wide once; it answers for its own realm
 * and hands every other name to the configuration that was in place before. The account itself lives only in
 * memory ({@link ConsoleCredentials}): no users file, no password on disk.
 */
final class ConsoleRealm extends Configuration {

    static final String NAME = "429chain";

    private static final AtomicReference<ConsoleCredentials> ACTIVE = new AtomicReference<>();
    private static boolean installed;

    private final Configuration previous;

    private ConsoleRealm(Configuration previous) {
        this.previous = previous;
    }

    /** Makes {@code credentials} the realm's only account, installing the realm on first use. */
    static synchronized void activate(ConsoleCredentials credentials) {
        if (!installed) {
            Configuration before = null;
            try {
                before = Configuration.getConfiguration();
            } catch (RuntimeException e) {
                // no JAAS configuration in this JVM: nothing to delegate to
            }
            Configuration.setConfiguration(new ConsoleRealm(before));
            installed = true;
        }
        ACTIVE.set(credentials);
    }

    /** Nobody can log in any more (unless another console activated its own account since). */
    static void deactivate(ConsoleCredentials credentials) {
        ACTIVE.compareAndSet(credentials, null);
    }

    static ConsoleCredentials active() {
        return ACTIVE.get();
    }

    @Override
    public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
        if (NAME.equals(name)) {
            return new AppConfigurationEntry[] {new AppConfigurationEntry(
                    ConsoleLoginModule.class.getName(), LoginModuleControlFlag.REQUIRED, Map.of())};
        }
        return previous == null ? null : previous.getAppConfigurationEntry(name);
    }

    @Override
    public void refresh() {
        if (previous != null) {
            previous.refresh();
        }
    }
}
