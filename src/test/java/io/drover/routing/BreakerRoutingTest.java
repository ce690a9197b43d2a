package io.drover.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.drover.config.ResilienceSettings;
import io.drover.workers.CircuitBreaker;
import io.drover.workers.TestWorkers;
import io.drover.workers.Worker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The policy thread skips open breakers and the workers a retry already failed on. */
class BreakerRoutingTest {
    private RoutingEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    private void start(ResilienceSettings.Breaker s, List<Worker> workers) {
        engine = new RoutingEngine(Policies.create("round_robin"), s, (w, from, to) -> { }).start();
        engine.workersChanged(workers);
    }

    private Worker route(Worker... avoid) {
        RouteRequest r = new RouteRequest("m", null, null).avoid(avoid);
        assertEquals(RouteRequest.Outcome.ROUTED, engine.route(r));
        return r.worker();
    }

    @Test
    void anOpenWorkerIsNoCandidateAndAllOpenIsTold() throws Exception {
        Worker a = TestWorkers.ready("http://a", "m");
        Worker b = TestWorkers.ready("http://b", "m");
        start(new ResilienceSettings.Breaker(2, 1, Duration.ofSeconds(30), Duration.ofSeconds(60), false),
                List.of(a, b));
        for (int i = 0; i < 2; i++) {
            assertEquals(RouteRequest.Outcome.ROUTED, engine.route(new RouteRequest("m", null, null)));
            engine.release(a, CircuitBreaker.Outcome.FAILURE);
        }
        for (int i = 0; i < 10; i++) {
            Worker w = route();
            assertSame(b, w);
            engine.release(w, CircuitBreaker.Outcome.NEUTRAL);
        }
        engine.route(new RouteRequest("m", null, null));
        engine.release(b, CircuitBreaker.Outcome.FAILURE);
        engine.route(new RouteRequest("m", null, null));
        engine.release(b, CircuitBreaker.Outcome.FAILURE);
        assertEquals(RouteRequest.Outcome.ALL_CIRCUITS_OPEN, engine.route(new RouteRequest("m", null, null)));
    }

    @Test
    void aRetryAvoidsTheWorkersItFailedOnWhileOthersRemain() throws Exception {
        Worker a = TestWorkers.ready("http://a", "m");
        Worker b = TestWorkers.ready("http://b", "m");
        Worker c = TestWorkers.ready("http://c", "m");
        start(ResilienceSettings.Breaker.defaults(), List.of(a, b, c));
        for (int i = 0; i < 10; i++) {
            Worker w = route(a, b);
            assertSame(c, w);
            engine.release(w);
            Worker x = route(a);
            assertNotSame(a, x);
            engine.release(x);
        }
        Worker any = route(a, b, c); // every one failed: any may be tried again
        engine.release(any);
    }

    @Test
    void aDisabledBreakerNeverExcludes() throws Exception {
        Worker a = TestWorkers.ready("http://a", "m");
        start(new ResilienceSettings.Breaker(1, 1, Duration.ofSeconds(30), Duration.ofSeconds(60), true), List.of(a));
        for (int i = 0; i < 5; i++) {
            assertSame(a, route());
            engine.release(a, CircuitBreaker.Outcome.FAILURE);
        }
    }
}
