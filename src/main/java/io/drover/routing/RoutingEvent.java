package io.drover.routing;

import io.drover.workers.Worker;
import java.util.List;

/**
 * A slot of the routing ring, preallocated by the Disruptor and reused. Written by a publishing
 * thread between claim and publish, read and cleared by the policy thread.
 */
final class RoutingEvent {
    static final int ROUTE = 1;
    static final int RELEASE = 2;
    static final int WORKERS = 3;
    static final int TICK = 4;

    int type;
    /** For RELEASE: the request's {@link io.drover.workers.CircuitBreaker.Outcome}, or null. */
    io.drover.workers.CircuitBreaker.Outcome outcome;
    RouteRequest request;
    Worker worker;
    List<Worker> workers;

    void clear() {
        type = 0;
        request = null;
        worker = null;
        outcome = null;
        workers = null;
    }
}
