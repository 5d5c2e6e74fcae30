package io.chain429;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The code's one direction, checked on the compiled classes: each package uses only those below it, from the shared
 * vocabulary at the bottom up to the start-up at the top, and Camel is imported only by what Camel calls.
 */
class ArchitectureTest {

    /**
     * Bottom to top. config: settings and their validation; core: the shared vocabulary (JSON, OpenAI errors, the chat
     * request, steps, outcomes and their reasons); sse: the wire format; ratelimit: provider state; provider: adapters
     * and their HTTP; chain: the waterfall and its streaming; security, usage, api, ops, reload; then the start-up.
     */
    static final List<String> LAYERS = List.of("config", "core", "sse", "ratelimit", "provider", "chain", "security", "usage",
            "api", "ops", "reload");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.chain429");

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.chain429.(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void eachPackageUsesOnlyThoseBelowIt() {
        for (int i = 0; i < LAYERS.size(); i++) {
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).stream().map(p -> "io.chain429." + p + "..").toArray(String[]::new);
            if (above.length == 0) {
                continue;
            }
            noClasses().that().resideInAPackage("io.chain429." + LAYERS.get(i) + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(above)
                    .orShould().dependOnClassesThat().resideInAPackage("io.chain429")
                    .because("imports run one way, down to the shared vocabulary")
                    .check(CLASSES);
        }
        // config and core are both at the bottom: neither uses the other
        noClasses().that().resideInAPackage("io.chain429.config..").should().dependOnClassesThat().resideInAPackage("io.chain429.core..")
                .check(CLASSES);
    }

    @Test
    void camelIsImportedOnlyWhereCamelCallsIn() {
        noClasses().that(DescribedPredicate.describe("are not called by Camel nor assemble it",
                        type -> !calledByCamel(type) && !assemblesCamel(type) && !CAMEL_HELPERS.contains(outermost(type).getName())))
                .should().dependOnClassesThat().resideInAPackage("org.apache.camel..")
                .because("Camel is imported by the classes it calls (processors, expressions, services, the HTTP engine),"
                        + " by the start-up (App, Gateway), and by a few documented helpers")
                .check(CLASSES);
    }

    /** Classes that are not themselves called by Camel but work on its objects for those that are. */
    private static final List<String> CAMEL_HELPERS = Arrays.asList(
            "io.chain429.api.HttpReplies",              // writes a processor's reply into Camel's message
            "io.chain429.api.PlatformHttpReplyWriter",  // the engine's reply writer (Camel's own, looked up)
            "io.chain429.reload.ReloadApplier",         // replaces chain routes in the running Camel context
            "io.chain429.security.CorsPolicy",          // installs the CORS handler on Camel's Vert.x router
            "io.chain429.security.HttpServerErrors",    // answers the HTTP server's own errors on Camel's router
            "io.chain429.security.ServerCertificate");  // gives Camel's server its TLS parameters

    private static boolean assemblesCamel(JavaClass type) {
        return outermost(type).getPackageName().equals("io.chain429"); // App and Gateway: the start-up
    }

    private static JavaClass outermost(JavaClass type) {
        return type.getEnclosingClass().map(ArchitectureTest::outermost).orElse(type);
    }

    private static boolean calledByCamel(JavaClass type) {
        return type.getAllRawInterfaces().stream().anyMatch(i -> i.getPackageName().startsWith("org.apache.camel"))
                || type.getAllRawSuperclasses().stream().anyMatch(s -> s.getPackageName().startsWith("org.apache.camel"))
                || type.getEnclosingClass().map(ArchitectureTest::calledByCamel).orElse(false);
    }
}
