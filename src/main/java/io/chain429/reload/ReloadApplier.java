package io.chain429.reload;

import io.chain429.chain.ChainDefinition;
import io.chain429.chain.ChainRegistry;
import io.chain429.chain.ChainSummary;
import io.chain429.config.ClientConfig;
import io.chain429.config.GatewayConfig;
import io.chain429.config.GatewayConfig.Settings;
import io.chain429.config.ProviderConfig;
import io.chain429.ops.ProviderMBeans;
import io.chain429.provider.ProviderRegistry;
import io.chain429.ratelimit.ProviderState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a validated {@link LiveConfig} in force: providers first (a new chain may use a new provider), then the chains'
 * routes and the chain registry. Only what changed is touched: an unchanged provider keeps its client and state, an
 * unchanged chain keeps its route. What only a restart applies is logged, never silently ignored.
 */
public final class ReloadApplier {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadApplier.class);
    private static final String CHAIN_TEMPLATE = "chain";

    private final ProviderRegistry providers;
    private final ProviderState state;
    private final ProviderMBeans mbeans;
    private final ChainRegistry chains;
    private final CamelContext camel;

    public ReloadApplier(ProviderRegistry providers, ProviderState state, ProviderMBeans mbeans, ChainRegistry chains,
                         CamelContext camel) {
        this.providers = providers;
        this.state = state;
        this.mbeans = mbeans;
        this.chains = chains;
        this.camel = camel;
    }

    public void apply(LiveConfig before, LiveConfig after) throws Exception {
        // the validator hands the same config on when 429chain.yaml was not edited
        if (before.config() != after.config()) {
            applyProviders(after.config());
            reportRestartOnly(before.config(), after.config());
        }
        applyChains(before, after);
        reportOtherRoutes(before.otherRoutes(), after.otherRoutes());
    }

    private void applyProviders(GatewayConfig after) {
        ProviderRegistry.Changes changes = providers.replace(after);
        // a key rejected with HTTP 401/403 stays disabled "until its configuration changes": it just did
        for (String id : changes.changed()) {
            Optional<String> reason = state.disabledReason(id);
            if (reason.isPresent() && !reason.get().equals(ProviderState.OPERATOR_REASON)) {
                state.enable(id);
            }
        }
        mbeans.providersChanged();
        if (changes.isEmpty()) {
            LOG.info("{} reloaded: providers unchanged", after.file());
        } else {
            LOG.info("{} reloaded: providers added {}, changed {}, removed {}", after.file(),
                    changes.added(), changes.changed(), changes.removed());
        }
        changes.added().forEach(id -> after.provider(id).ifPresent(ReloadApplier::reportDisabled));
        changes.changed().forEach(id -> after.provider(id).ifPresent(ReloadApplier::reportDisabled));
    }

    private static void reportDisabled(ProviderConfig provider) {
        provider.disabledReason().ifPresent(reason ->
                LOG.warn("provider {} ({}) disabled: {}; its steps will be skipped", provider.id(), provider.type(), reason));
    }

    /** Settings (but the default chain) and client keys are read once, by the parts of 429chain built at start-up. */
    private static void reportRestartOnly(GatewayConfig before, GatewayConfig after) {
        Settings was = before.settings();
        Settings is = after.settings();
        Map<String, Function<Settings, Object>> fields = new LinkedHashMap<>();
        fields.put("cooldownDefault", Settings::cooldownDefault);
        fields.put("cooldownPaymentRequired", Settings::cooldownPaymentRequired);
        fields.put("circuitOpenFor", Settings::circuitOpenFor);
        fields.put("keyProbeAfter", Settings::keyProbeAfter);
        fields.put("keyCheckEvery", Settings::keyCheckEvery);
        fields.put("circuitMinFailures", settings -> settings.circuit().minFailures());
        fields.put("circuitFailureRate", settings -> settings.circuit().failureRatePercent());
        fields.put("circuitWindow", settings -> settings.circuit().window());
        fields.put("adHocModelsPerProvider", Settings::adHocModelsPerProvider);
        fields.put("clientLimits", Settings::clientLimits);
        fields.put("corsOrigins", Settings::corsOrigins);
        List<String> changed = new ArrayList<>();
        fields.forEach((name, field) -> {
            if (!Objects.equals(field.apply(was), field.apply(is))) {
                changed.add("settings." + name);
            }
        });
        if (!before.clients().equals(after.clients())) {
            changed.add("clients");
        }
        if (!changed.isEmpty()) {
            LOG.warn("{}: {} changed: {} on restart only; the running values stay in force until then", after.file(),
                    String.join(", ", changed), changed.size() == 1 ? "it applies" : "they apply");
        }
    }

    /**
     * New and changed chains get their route (Camel replaces a route of the same id), then the registry switches,
     * then removed chains lose their route. A request that chose its chain just before keeps finding a route: a
     * replaced route's callers wait for the new one (Camel's direct endpoints block briefly for a consumer).
     */
    private void applyChains(LiveConfig previous, LiveConfig next) throws Exception {
        List<ChainDefinition> before = previous.chains();
        List<ChainDefinition> after = next.chains();
        Map<String, ChainDefinition> was = byName(before);
        Map<String, ChainDefinition> is = byName(after);
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (ChainDefinition chain : after) {
            ChainDefinition old = was.get(chain.name());
            if (old == null || !old.parameters().equals(chain.parameters())) {
                model.addRouteFromTemplatedRoute(route(chain));
                (old == null ? added : changed).add(chain.name());
            }
        }
        Optional<String> defaultChain = next.config().settings().defaultChain();
        chains.replace(next.declared(), defaultChain);
        if (!defaultChain.equals(previous.config().settings().defaultChain())) {
            LOG.info("default chain now {}", defaultChain.orElse("none"));
        }
        if (!next.declared().defaults().equals(previous.declared().defaults())) {
            // 429chain reads them, not Camel: they apply now, though the template's route applies on restart only
            LOG.info("the chain template's defaults now {}: chains that leave a parameter out, and steps outside any chain,"
                    + " use them", next.declared().defaults());
        }
        List<String> removed = new ArrayList<>();
        for (ChainDefinition chain : before) {
            if (!is.containsKey(chain.name())) {
                RouteDefinition route = model.getRouteDefinition(chain.routeId());
                if (route != null) {
                    model.removeRouteDefinition(route);
                }
                removed.add(chain.name());
            }
        }
        if (added.isEmpty() && changed.isEmpty() && removed.isEmpty()) {
            LOG.info("chains unchanged; {} chain(s) serving", after.size());
            return;
        }
        LOG.info("chains reloaded: added {}, changed {}, removed {}; {} chain(s) serving", added, changed, removed, after.size());
        Predicate<String> enabled = id -> next.config().provider(id).filter(ProviderConfig::enabled).isPresent();
        after.stream().filter(chain -> added.contains(chain.name()) || changed.contains(chain.name()))
                .forEach(chain -> LOG.info("{}", ChainSummary.of(chain, defaultChain, enabled)));
    }

    private static TemplatedRouteDefinition route(ChainDefinition chain) {
        TemplatedRouteDefinition route = new TemplatedRouteDefinition();
        route.setRouteTemplateRef(CHAIN_TEMPLATE);
        route.setRouteId(chain.routeId());
        chain.parameters().forEach(route::parameter);
        return route;
    }

    private static Map<String, ChainDefinition> byName(List<ChainDefinition> chains) {
        Map<String, ChainDefinition> byName = new LinkedHashMap<>();
        chains.forEach(chain -> byName.put(chain.name(), chain));
        return byName;
    }

    private static void reportOtherRoutes(Map<Path, String> before, Map<Path, String> after) {
        after.forEach((file, text) -> {
            if (!text.equals(before.getOrDefault(file, ""))) {
                LOG.warn("{}: routes other than chains (templatedRoute entries of the chain template) changed: they apply on restart only",
                        file);
            }
        });
        before.forEach((file, text) -> {
            if (!text.isEmpty() && !after.containsKey(file)) {
                LOG.warn("{} was removed: its routes other than chains keep running until a restart", file);
            }
        });
    }
}
