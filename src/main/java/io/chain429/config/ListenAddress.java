package io.chain429.config;

import java.net.BindException;

/**
 * An address 429chain listens on, with the settings that chose it. A port that cannot be bound (another process holds
 * it, or the host is no address of this machine) is the user's to fix, like a mistake in a file: it becomes a
 * {@link ConfigException} naming the setting to change (one line and exit code 2, see {@code App}), not a stack trace.
 */
public record ListenAddress(String host, int port, String hostVariable, String portVariable) {

    /** Opening a port: binding and listening. */
    @FunctionalInterface
    public interface Opening {
        void open() throws Exception;
    }

    /**
     * Opens the port with {@code opening}.
     *
     * @throws ConfigException when the socket cannot be bound; any other failure is thrown as it is
     */
    public void open(Opening opening) throws Exception {
        try {
            opening.open();
        } catch (Exception e) {
            BindException cannotBind = bindFailure(e);
            if (cannotBind == null) {
                throw e;
            }
            throw explain(cannotBind);
        }
    }

    private ConfigException explain(BindException cannotBind) {
        String reason = String.valueOf(cannotBind.getMessage());
        if (reason.contains("already in use")) {
            return new ConfigException(portVariable, 0, null, "port " + port + " on " + host
                    + " is already in use by another process: stop it or set " + portVariable + " to a free port");
        }
        return new ConfigException(hostVariable + ", " + portVariable, 0, null, "cannot listen on " + host + ":" + port + ": " + reason);
    }

    /** The bind failure among the causes (servers wrap it: Jetty in an IOException, Vert.x in an ExecutionException). */
    private static BindException bindFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof BindException bind) {
                return bind;
            }
        }
        return null;
    }
}
