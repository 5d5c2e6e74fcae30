package io.chain429.ops;

/**
 * What Hawtio's {@code /plugin} endpoint reads from each {@code hawtio:type=plugin,name=*} MBean to load a remote
 * plugin (a Module Federation container): all six attributes must exist. See {@link ConsolePlugin}.
 */
public interface ConsolePluginMBean {

    /** Where the plugin's files are served, without the file name. */
    String getUrl();

    /** The Module Federation container's name. */
    String getScope();

    /** The module the container exposes. */
    String getModule();

    String getRemoteEntryFileName();

    boolean isBustRemoteEntryCache();

    /** The function of the module that registers the plugin. */
    String getPluginEntry();
}
