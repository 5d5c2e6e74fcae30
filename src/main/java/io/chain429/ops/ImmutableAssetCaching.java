package io.chain429.ops;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Lets the browser keep the console's scripts and styles: Hawtio's build names each file under {@code /static} by a
 * hash of its content, so a file's name changes whenever it does. Without this the browser asked again for each of
 * them on every page load, since the unpacked files carry the start-up time as their date.
 */
public final class ImmutableAssetCaching implements Filter {

    static final String PATH = "/static/*";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        ((HttpServletResponse) response).setHeader("Cache-Control", "public, max-age=31536000, immutable");
        chain.doFilter(request, response);
    }
}
