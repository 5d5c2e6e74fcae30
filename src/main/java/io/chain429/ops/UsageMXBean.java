package io.chain429.ops;

import io.chain429.usage.UsageTotals;
import java.util.List;

/**
 * What 429chain served, as the console shows it ({@code io.chain429:type=Usage}): the recent requests and the usage
 * totals per provider and per chain, today (UTC) and since start. Read from the live counters when asked. See
 * {@link UsageMBean}.
 */
public interface UsageMXBean {

    /** The last requests, newest first, each as its line in the request log. */
    String[] getRecentRequests();

    /** Per provider sent a request: requests sent, errors, prompt and completion tokens; today and since start. */
    List<UsageTotals.Row> getProviders();

    /** Per chain asked for: requests, errors, prompt and completion tokens; today and since start. */
    List<UsageTotals.Row> getChains();

    /** Where the request log is written. */
    String getRequestLogFile();

    /** Request log lines dropped because the disk did not keep up. */
    long getDroppedLogLines();
}
