package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.camel.api.management.ManagedCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

/**
 * The routes as Hawtio's Camel view receives them ({@code dumpRoutesAsXml()} on the context MBean): Hawtio 4.2 draws a
 * route's diagram from it only when the route's first element is its {@code from}, and a chain's diagram can only say
 * which chain it is when its parameters are filled in.
 */
class RouteDumpsTest {

    private static RunningGateway gateway;
    private static Document routes;

    @BeforeAll
    static void boot() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: demo
                    type: demo
                """, chains("fast", "demo/echo", "backup", "demo/echo, demo/other"), Map.of());
        String xml = gateway.camelContext().getCamelContextExtension().getContextPlugin(ManagedCamelContext.class)
                .getManagedCamelContext().dumpRoutesAsXml();
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        routes = factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void everyRouteStartsWithItsFromSoThatHawtioCanDrawIt() {
        List<Element> all = routes();

        assertThat(all).extracting(route -> route.getAttribute("id"))
                .contains("chat-completions", "waterfall", "attempt", "chain-fast", "chain-backup");
        assertThat(all).allSatisfy(route -> assertThat(children(route).get(0).getLocalName())
                .as("first element of route " + route.getAttribute("id")).isEqualTo("from"));
    }

    @Test
    void aChainRouteNamesItsChainAndItsStepsAndCarriesNoErrorHandling() {
        Element chain = routes().stream().filter(route -> route.getAttribute("id").equals("chain-backup")).findFirst().orElseThrow();

        assertThat(children(chain)).extracting(Element::getLocalName).containsExactly("from", "setProperty", "setProperty");
        assertThat(children(chain).get(0).getAttribute("uri")).isEqualTo("direct:chain-backup");
        assertThat(chain.getTextContent()).contains("backup", "demo/echo, demo/other").doesNotContain("{{");
    }

    @Test
    void otherRoutesKeepTheirShape() {
        Element api = routes().stream().filter(route -> route.getAttribute("id").equals("chat-completions")).findFirst().orElseThrow();

        assertThat(children(api)).extracting(Element::getLocalName).contains("onException", "choice");
    }

    private static List<Element> routes() {
        List<Element> found = new ArrayList<>();
        for (Element child : children(routes.getDocumentElement())) {
            if (child.getLocalName().equals("route")) {
                found.add(child);
            }
        }
        return found;
    }

    private static List<Element> children(Element parent) {
        List<Element> elements = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element) {
                elements.add(element);
            }
        }
        return elements;
    }
}
