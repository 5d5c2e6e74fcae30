package io.chain429.ops;

import java.io.IOException;
import java.security.Principal;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import javax.security.auth.Subject;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.FailedLoginException;
import javax.security.auth.login.LoginException;
import javax.security.auth.spi.LoginModule;

/**
 * JAAS login module of the {@link ConsoleRealm}: checks the user name and password Hawtio's login form sends against
 * the account from the environment, and gives that user the {@link #ROLE} role Hawtio requires.
 *
 * <p>Hawtio finds the user name among a subject's principals by the class's simple name ({@code UserPrincipal}) and
 * the roles by the class's full name ({@code hawtio.rolePrincipalClasses}), hence the two nested classes.
 */
public final class ConsoleLoginModule implements LoginModule {

    /** The role Hawtio requires ({@code hawtio.roles}) and the console user has. */
    public static final String ROLE = "admin";

    private Subject subject;
    private CallbackHandler callbackHandler;
    private String authenticatedUser;
    private UserPrincipal userPrincipal;
    private RolePrincipal rolePrincipal;

    @Override
    public void initialize(Subject subject, CallbackHandler callbackHandler, Map<String, ?> sharedState,
                           Map<String, ?> options) {
        this.subject = subject;
        this.callbackHandler = callbackHandler;
    }

    @Override
    public boolean login() throws LoginException {
        if (callbackHandler == null) {
            throw new LoginException("no callback handler to ask for a user name and password");
        }
        NameCallback name = new NameCallback("user");
        PasswordCallback password = new PasswordCallback("password", false);
        try {
            callbackHandler.handle(new Callback[] {name, password});
        } catch (IOException | UnsupportedCallbackException e) {
            throw (LoginException) new LoginException("cannot read the credentials: " + e.getMessage()).initCause(e);
        }
        char[] secret = password.getPassword();
        try {
            ConsoleCredentials account = ConsoleRealm.active();
            if (account == null) {
                throw new FailedLoginException("the console has no account (console off)");
            }
            if (!account.matches(name.getName(), secret)) {
                throw new FailedLoginException("wrong user name or password");
            }
            authenticatedUser = account.user();
            return true;
        } finally {
            if (secret != null) {
                Arrays.fill(secret, '\0');
            }
            password.clearPassword();
        }
    }

    @Override
    public boolean commit() {
        if (authenticatedUser == null) {
            return false;
        }
        userPrincipal = new UserPrincipal(authenticatedUser);
        rolePrincipal = new RolePrincipal(ROLE);
        subject.getPrincipals().add(userPrincipal);
        subject.getPrincipals().add(rolePrincipal);
        return true;
    }

    @Override
    public boolean abort() {
        boolean had = authenticatedUser != null;
        logout();
        return had;
    }

    @Override
    public boolean logout() {
        if (subject != null) {
            if (userPrincipal != null) {
                subject.getPrincipals().remove(userPrincipal);
            }
            if (rolePrincipal != null) {
                subject.getPrincipals().remove(rolePrincipal);
            }
        }
        authenticatedUser = null;
        userPrincipal = null;
        rolePrincipal = null;
        return true;
    }

    /** The logged-in operator. */
    public static final class UserPrincipal extends NamedPrincipal {
        public UserPrincipal(String name) {
            super(name);
        }
    }

    /** A role of the logged-in operator. */
    public static final class RolePrincipal extends NamedPrincipal {
        public RolePrincipal(String name) {
            super(name);
        }
    }

    abstract static class NamedPrincipal implements Principal {
        private final String name;

        NamedPrincipal(String name) {
            this.name = Objects.requireNonNull(name);
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean equals(Object other) {
            return other != null && other.getClass() == getClass() && name.equals(((NamedPrincipal) other).name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(getClass().getName(), name);
        }

        @Override
        public String toString() {
            return getClass().getSimpleName() + "[" + name + "]";
        }
    }
}
