package io.drover.routing;

import io.drover.workers.Worker;
import java.util.List;

/**
 * A load-balancing policy: picks one worker out of the Ready candidates for a request.
 *
 * <p>Threading: every method is called <em>only by the routing policy thread</em> (the single
 * consumer of {@link RoutingEngine}'s ring), so an implementation keeps plain, unsynchronised state.
 * It must not block: it is on every request's path.
 */
public interface Policy {
    /** The SMG name of the policy ({@code round_robin}, ...). */
    String name();

    /**
     * Chooses a candidate.
     *
     * @param candidates Ready workers that serve the request's model; never empty; do not modify
     * @param request    what the request thread extracted for routing
     * @return an index into {@code candidates}, or -1 when no candidate fits this request
     */
    int select(Worker[] candidates, RouteRequest request);

    /** True when the policy needs {@link RouteRequest#text()} (cache-aware and prefix policies). */
    default boolean needsText() {
        return false;
    }

    /** The registered workers changed; {@code all} includes those not Ready. */
    default void onWorkersChanged(List<Worker> all) {}

    /** Called every eviction interval, for housekeeping such as expiring sticky keys. */
    default void onTick(long nowNanos) {}
}
