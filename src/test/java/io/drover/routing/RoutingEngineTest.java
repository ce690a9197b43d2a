package io.drover.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.workers.TestWorkers;
import io.drover.workers.Worker;
import io.drover.workers.WorkerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoutingEngineTest {
    private RoutingEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    private RoutingEngine started(String policy, List<Worker> workers) throws InterruptedException {
        engine = new RoutingEngine(Policies.create(policy)).start();
        engine.workersChanged(workers);
        return engine;
    }

    private static RouteRequest.Outcome route(RoutingEngine e, String model) {
        return e.route(new RouteRequest(model, null, null));
    }

    @Test
    void routesOnlyToWorkersServingTheModel() throws Exception {
        Worker a = TestWorkers.ready("http://a", "llama");
        Worker b = TestWorkers.ready("http://b", "qwen");
        started("round_robin", List.of(a, b));
        for (int i = 0; i < 20; i++) {
            RouteRequest r = new RouteRequest("qwen", null, null);
            assertEquals(RouteRequest.Outcome.ROUTED, engine.route(r));
            assertSame(b, r.worker());
            engine.release(b);
        }
    }

    @Test
    void unknownModelAndUnhealthyModelAreTold() throws Exception {
        Worker a = TestWorkers.ready("http://a", "llama");
        Worker b = TestWorkers.withStatus("http://b", WorkerStatus.NOT_READY, "qwen");
        started("random", List.of(a, b));
        assertEquals(RouteRequest.Outcome.NO_SUCH_MODEL, route(engine, "gpt-4"));
        assertEquals(RouteRequest.Outcome.NO_HEALTHY_WORKER, route(engine, "qwen"));
        assertEquals(RouteRequest.Outcome.ROUTED, route(engine, "llama"));
    }

    @Test
    void aWorkerWithoutModelsServesAny() throws Exception {
        Worker any = TestWorkers.ready("http://any");
        Worker llama = TestWorkers.ready("http://llama", "llama");
        started("round_robin", List.of(any, llama));
        RouteRequest r = new RouteRequest("anything", null, null);
        assertEquals(RouteRequest.Outcome.ROUTED, engine.route(r));
        assertSame(any, r.worker());
        int[] hits = new int[2];
        for (int i = 0; i < 10; i++) {
            RouteRequest q = new RouteRequest("llama", null, null);
            engine.route(q);
            hits[q.worker() == any ? 0 : 1]++;
        }
        assertEquals(5, hits[0], "the wildcard worker also serves llama");
    }

    @Test
    void noWorkersMeansNoHealthyWorker() throws Exception {
        started("random", List.of());
        assertEquals(RouteRequest.Outcome.NO_HEALTHY_WORKER, route(engine, "x"));
        assertEquals(RouteRequest.Outcome.NO_HEALTHY_WORKER, route(engine, null));
    }

    @Test
    void inFlightIsHeldUntilReleaseUnderConcurrency() throws Exception {
        List<Worker> ws = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ws.add(TestWorkers.ready("http://w" + i, "m"));
        }
        started("power_of_two", ws);
        int threads = 64;
        int perThread = 500;
        AtomicInteger routed = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.startVirtualThread(() -> {
                for (int i = 0; i < perThread; i++) {
                    RouteRequest r = new RouteRequest("m", null, null);
                    if (engine.route(r) == RouteRequest.Outcome.ROUTED) {
                        routed.incrementAndGet();
                        engine.release(r.worker());
                    }
                }
            }));
        }
        for (Thread t : ts) {
            t.join(30_000);
        }
        assertEquals(threads * perThread, routed.get());
        // releases are asynchronous: a last round trip through the ring orders us after them
        RouteRequest last = new RouteRequest("m", null, null);
        engine.route(last);
        engine.release(last.worker());
        engine.route(new RouteRequest("zzz", null, null));
        long processed = 0;
        int inFlight = 0;
        for (Worker w : ws) {
            processed += w.processed();
            inFlight += w.inFlight();
        }
        assertEquals(threads * perThread + 1, processed);
        assertEquals(0, inFlight, "every dispatch was released");
    }

    @Test
    void heldRequestsSteerPowerOfTwoAway() throws Exception {
        Worker a = TestWorkers.ready("http://a", "m");
        Worker b = TestWorkers.ready("http://b", "m");
        started("power_of_two", List.of(a, b));
        // hold 5 requests on whichever worker gets them, never releasing
        for (int i = 0; i < 50; i++) {
            route(engine, "m");
        }
        route(engine, "nothing"); // ordering barrier
        assertTrue(Math.abs(a.inFlight() - b.inFlight()) <= 1,
                "power of two keeps in-flight balanced: " + a.inFlight() + " vs " + b.inFlight());
    }

    @Test
    void aStoppedEngineAnswersUnavailable() throws Exception {
        started("random", List.of(TestWorkers.ready("http://a")));
        engine.close();
        assertEquals(RouteRequest.Outcome.ENGINE_UNAVAILABLE, route(engine, null));
        engine = null;
    }
}
