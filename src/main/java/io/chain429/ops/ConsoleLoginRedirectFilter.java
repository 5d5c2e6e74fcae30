package io.chain429.ops;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.List;

/**
 * Sends a browser that opens a console page without a session to the console's login page
 * ({@code 302 /hawtio/login}). Hawtio 4.2.0 protects its data ({@code /jolokia}) itself but serves every page's HTML
 * shell to anyone and leaves the redirect to its JavaScript; this makes the server refuse too. Static assets, the
 * login machinery and the APIs Hawtio guards itself pass through untouched.
 */
public final class ConsoleLoginRedirectFilter implements Filter {

    /** Hawtio puts the JAAS subject in the session under this name once a login succeeded. */
    static final String SESSION_SUBJECT = "subject";

    private static final List<String> OPEN_PREFIXES = List.of(
            "/login", "/auth", "/user", "/keycloak", "/plugin", "/jolokia", "/proxy",
            "/static", "/img", "/css", "/fonts", "/js");

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        String method = request.getMethod();
        if (("GET".equals(method) || "HEAD".equals(method)) && isPage(pathOf(request)) && !loggedIn(request)) {
            response.setHeader("Cache-Control", "no-store");
            response.sendRedirect(request.getContextPath() + "/login");
            return;
        }
        chain.doFilter(req, res);
    }

    private static String pathOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String path = uri.substring(Math.min(uri.length(), request.getContextPath().length()));
        return path.isEmpty() ? "/" : path;
    }

    /** A client-side route of the console (not a file, not an API Hawtio protects or needs before login). */
    static boolean isPage(String path) {
        for (String prefix : OPEN_PREFIXES) {
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                return false;
            }
        }
        String last = path.substring(path.lastIndexOf('/') + 1);
        return !last.contains("."); // favicon.ico, hawtconfig.json, *.worker.js, robots.txt...
    }

    private static boolean loggedIn(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        return session != null && session.getAttribute(SESSION_SUBJECT) != null;
    }
}
