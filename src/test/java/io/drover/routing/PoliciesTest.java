package io.drover.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.workers.TestWorkers;
import io.drover.workers.Worker;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoliciesTest {
    private static Worker[] workers(int n) {
        Worker[] w = new Worker[n];
        for (int i = 0; i < n; i++) {
            w[i] = TestWorkers.ready("http://127.0.0.1:" + (9000 + i));
        }
        return w;
    }

    private static final RouteRequest ANY = new RouteRequest(null, null, null);

    @Test
    void roundRobinVisitsEveryWorkerInTurn() {
        Policy p = Policies.create("round_robin");
        Worker[] c = workers(5);
        int[] hits = new int[5];
        for (int i = 0; i < 500; i++) {
            int k = p.select(c, ANY);
            assertEquals(i % 5, k, "round robin order");
            hits[k]++;
        }
        for (int h : hits) {
            assertEquals(100, h);
        }
    }

    @Test
    void randomCoversAllWorkersRoughlyEvenly() {
        Policy p = Policies.create("random");
        Worker[] c = workers(4);
        int[] hits = new int[4];
        for (int i = 0; i < 40_000; i++) {
            hits[p.select(c, ANY)]++;
        }
        for (int h : hits) {
            assertTrue(h > 9_000 && h < 11_000, "uneven: " + h);
        }
    }

    @Test
    void powerOfTwoAvoidsTheLoadedWorker() {
        Policy p = Policies.create("power_of_two");
        Worker[] c = workers(2);
        Worker.LoadCounters load = Worker.newLoadCounters();
        for (int i = 0; i < 10; i++) {
            load.dispatched(c[0]);
        }
        for (int i = 0; i < 200; i++) {
            assertEquals(1, p.select(c, ANY), "the idle worker must win against the loaded one");
        }
    }

    @Test
    void powerOfTwoPicksDistinctCandidatesAndCoversAll() {
        Policy p = Policies.create("power_of_two");
        Worker[] c = workers(8);
        int[] hits = new int[8];
        for (int i = 0; i < 8_000; i++) {
            hits[p.select(c, ANY)]++;
        }
        for (int h : hits) {
            assertTrue(h > 500, "a worker was starved: " + h);
        }
    }

    @Test
    void passthroughTakesTheFirst() {
        Policy p = Policies.create("passthrough");
        p.onWorkersChanged(List.of(workers(3)));
        assertEquals(0, p.select(workers(3), ANY));
    }

    @Test
    void unknownPolicyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Policies.create("cache_aware"));
    }
}
