package io.chain429.ops;

import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.NamedNode;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RoutesDefinition;
import org.apache.camel.spi.ModelToXMLDumper;
import org.apache.camel.support.PluginHelper;

/**
 * Camel's route dumps (what Hawtio's route diagram and Source tab show) with each chain route's own parameters filled
 * in: {@code direct:chain-default} and its steps rather than {@code direct:chain-{{name}}} and {@code {{steps}}}.
 *
 * <p>Hawtio asks for every route at once without resolving placeholders, and Camel resolves them for a whole dump
 * with one set of template parameters (the last route's), so each route made from a template is dumped on its own
 * with its own parameters. Only those routes are resolved: placeholders in other routes stay as written.
 */
public final class TemplatedRouteDumps implements ModelToXMLDumper {

    private final ModelToXMLDumper delegate;

    TemplatedRouteDumps(ModelToXMLDumper delegate) {
        this.delegate = delegate;
    }

    /** Wraps the context's dumper; call before the routes are dumped (Hawtio, JMX). */
    public static void install(CamelContext camel) {
        ModelToXMLDumper original = PluginHelper.getModelToXMLDumper(camel);
        if (!(original instanceof TemplatedRouteDumps)) {
            camel.getCamelContextExtension().addContextPlugin(ModelToXMLDumper.class, new TemplatedRouteDumps(original));
        }
    }

    @Override
    public String dumpModelAsXml(CamelContext context, NamedNode definition) throws Exception {
        return dumpModelAsXml(context, definition, false, false, false);
    }

    @Override
    public String dumpModelAsXml(CamelContext context, NamedNode definition, boolean resolvePlaceholders,
                                 boolean generatedIds, boolean sourceLocation) throws Exception {
        if (!resolvePlaceholders && definition instanceof RouteDefinition route && templated(route)) {
            return delegate.dumpModelAsXml(context, route, true, generatedIds, sourceLocation);
        }
        if (!resolvePlaceholders && definition instanceof RoutesDefinition routes
                && routes.getRoutes().stream().anyMatch(TemplatedRouteDumps::templated)) {
            return routeByRoute(context, routes, generatedIds, sourceLocation);
        }
        return delegate.dumpModelAsXml(context, definition, resolvePlaceholders, generatedIds, sourceLocation);
    }

    /** The whole dump's {@code <routes>} element around each route dumped on its own. */
    private String routeByRoute(CamelContext context, RoutesDefinition routes, boolean generatedIds, boolean sourceLocation)
            throws Exception {
        String whole = delegate.dumpModelAsXml(context, routes, false, generatedIds, sourceLocation);
        int open = whole.indexOf('>', whole.indexOf("<routes")) + 1;
        int close = whole.lastIndexOf("</routes>");
        if (open <= 0 || close < open) {
            return whole;
        }
        StringBuilder xml = new StringBuilder(whole.substring(0, open));
        for (RouteDefinition route : routes.getRoutes()) {
            RoutesDefinition alone = new RoutesDefinition();
            alone.setRoutes(List.of(route));
            String one = delegate.dumpModelAsXml(context, alone, templated(route), generatedIds, sourceLocation);
            int from = one.indexOf('>', one.indexOf("<routes")) + 1;
            int to = one.lastIndexOf("</routes>");
            xml.append(from > 0 && to >= from ? one.substring(from, to) : one);
        }
        return xml.append(whole.substring(close)).toString();
    }

    private static boolean templated(RouteDefinition route) {
        return Boolean.TRUE.equals(route.isTemplate()) && route.getTemplateParameters() != null;
    }

    @Override
    public String dumpBeansAsXml(CamelContext context, List<Object> beans) throws Exception {
        return delegate.dumpBeansAsXml(context, beans);
    }

    @Override
    public String dumpDataFormatsAsXml(CamelContext context, java.util.Map<String, Object> dataFormats) throws Exception {
        return delegate.dumpDataFormatsAsXml(context, dataFormats);
    }
}
