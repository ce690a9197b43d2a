package io.drover.routing;

import io.drover.workers.Worker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Ready candidates per model, rebuilt from a registry snapshot whenever workers change, so
 * that a routing decision is a map lookup plus the policy's choice. Owned by the policy thread.
 */
final class RoutingTable {
    private static final Worker[] NONE = new Worker[0];

    private final Map<String, Worker[]> readyByModel;
    private final Worker[] readyAnyModel;
    private final Worker[] readyWildcard;
    private final Map<String, Boolean> registeredModels;
    private final boolean anyWildcardRegistered;
    private final int registered;

    private RoutingTable(Map<String, Worker[]> readyByModel, Worker[] readyAnyModel, Worker[] readyWildcard,
                         Map<String, Boolean> registeredModels, boolean anyWildcardRegistered, int registered) {
        this.readyByModel = readyByModel;
        this.readyAnyModel = readyAnyModel;
        this.readyWildcard = readyWildcard;
        this.registeredModels = registeredModels;
        this.anyWildcardRegistered = anyWildcardRegistered;
        this.registered = registered;
    }

    static RoutingTable empty() {
        return new RoutingTable(Map.of(), NONE, NONE, Map.of(), false, 0);
    }

    static RoutingTable of(List<Worker> all) {
        Map<String, List<Worker>> byModel = new HashMap<>();
        List<Worker> any = new ArrayList<>();
        List<Worker> wildcard = new ArrayList<>();
        Map<String, Boolean> models = new HashMap<>();
        boolean wildcardRegistered = false;
        for (Worker w : all) {
            List<String> ms = w.models();
            if (ms.isEmpty()) {
                wildcardRegistered = true;
            }
            for (String m : ms) {
                models.put(m, Boolean.TRUE);
            }
            if (!w.isReady()) {
                continue;
            }
            any.add(w);
            if (ms.isEmpty()) {
                wildcard.add(w);
            }
            for (String m : ms) {
                byModel.computeIfAbsent(m, k -> new ArrayList<>()).add(w);
            }
        }
        Map<String, Worker[]> ready = new HashMap<>();
        for (var e : byModel.entrySet()) {
            List<Worker> l = e.getValue();
            l.addAll(wildcard); // a worker that lists no model serves any
            ready.put(e.getKey(), l.toArray(NONE));
        }
        return new RoutingTable(ready, any.toArray(NONE), wildcard.toArray(NONE), models, wildcardRegistered,
                all.size());
    }

    /** Ready workers for {@code model} (null = any model); empty when none. */
    Worker[] candidates(String model) {
        if (model == null) {
            return readyAnyModel;
        }
        Worker[] c = readyByModel.get(model);
        return c != null ? c : readyWildcard;
    }

    /** Why there is no candidate for {@code model}: unknown model, or no Ready worker. */
    RouteRequest.Outcome whyNone(String model) {
        if (registered == 0 || model == null || anyWildcardRegistered || registeredModels.containsKey(model)) {
            return RouteRequest.Outcome.NO_HEALTHY_WORKER;
        }
        return RouteRequest.Outcome.NO_SUCH_MODEL;
    }
}
