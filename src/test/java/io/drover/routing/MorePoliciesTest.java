package io.drover.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.config.RoutingSettings;
import io.drover.workers.TestWorkers;
import io.drover.workers.Worker;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MorePoliciesTest {
    final Worker.LoadCounters load = Worker.newLoadCounters();

    private static Worker[] workers(int n) {
        Worker[] w = new Worker[n];
        for (int i = 0; i < n; i++) {
            w[i] = TestWorkers.ready("http://w" + i + ":8000", "m");
        }
        return w;
    }

    private static RouteRequest keyed(String key) {
        return new RouteRequest("m", key, null);
    }

    @Test
    void consistentHashingKeepsKeysAndMovesFewWhenAWorkerLeaves() {
        Worker[] all = workers(5);
        ConsistentHashingPolicy p = new ConsistentHashingPolicy("m");
        p.onWorkersChanged(List.of(all));
        Map<String, Integer> home = new HashMap<>();
        for (int k = 0; k < 500; k++) {
            int i = p.select(all, keyed("user-" + k));
            assertEquals(i, p.select(all, keyed("user-" + k)), "the same key, the same worker");
            home.put("user-" + k, i);
        }
        Set<Integer> used = new HashSet<>(home.values());
        assertEquals(5, used.size(), "keys spread over every worker");
        // worker 2 is no longer a candidate: only its keys move
        Worker[] four = {all[0], all[1], all[3], all[4]};
        int moved = 0;
        for (var e : home.entrySet()) {
            Worker now = four[p.select(four, keyed(e.getKey()))];
            Worker before = all[e.getValue()];
            if (now != before) {
                moved++;
                assertEquals(all[2], before, "a key moved from a worker that is still there");
            }
        }
        assertTrue(moved > 50 && moved < 200, "about a fifth of the keys moved: " + moved);
    }

    @Test
    void consistentHashingHonoursTargetWorkerAndImplicitKeys() {
        Worker[] c = workers(3);
        ConsistentHashingPolicy p = new ConsistentHashingPolicy("m");
        p.onWorkersChanged(List.of(c));
        assertEquals(2, p.select(c, new RouteRequest("m", null, null, null, "2", null)));
        assertEquals(-1, p.select(c, new RouteRequest("m", null, null, null, "7", null)), "out of range fails");
        assertEquals(-1, p.select(c, new RouteRequest("m", null, null, null, "x", null)));
        int a = p.select(c, new RouteRequest("m", null, null, null, null, "Bearer alice"));
        for (int i = 0; i < 10; i++) {
            assertEquals(a, p.select(c, new RouteRequest("m", null, null, null, null, "Bearer alice")));
        }
    }

    @Test
    void manualStickyKeysSurviveUntilTheirWorkerGoesAndExpireWhenIdle() throws Exception {
        Worker[] c = workers(4);
        ManualPolicy p = new ManualPolicy("min_group", Duration.ofMillis(50));
        Map<String, Integer> home = new HashMap<>();
        for (int k = 0; k < 8; k++) {
            home.put("s" + k, p.select(c, keyed("s" + k)));
        }
        assertEquals(4, new HashSet<>(home.values()).size(), "min_group spreads new keys");
        home.forEach((k, i) -> assertEquals(i, p.select(c, keyed(k))));
        // s0's worker leaves: s0 moves; when the old worker returns, s0 stays on its new one
        int gone = home.get("s0");
        Worker[] three = new Worker[3];
        for (int i = 0, j = 0; i < 4; i++) {
            if (i != gone) {
                three[j++] = c[i];
            }
        }
        Worker moved = three[p.select(three, keyed("s0"))];
        assertNotEquals(c[gone], moved);
        assertEquals(moved, c[p.select(c, keyed("s0"))], "the newest assignment comes first");
        assertEquals(8, p.size());
        Thread.sleep(80);
        p.onTick(System.nanoTime());
        assertEquals(0, p.size(), "idle keys are forgotten");
    }

    @Test
    void prefixHashIsStickyButSpillsFromAnOverloadedWorker() {
        Worker[] c = workers(4);
        PrefixHashPolicy p = new PrefixHashPolicy("m", 256, 1.25);
        p.onWorkersChanged(List.of(c));
        String prompt = "You are a helpful assistant. ".repeat(60);
        int home = p.select(c, new RouteRequest("m", null, prompt + "q1"));
        assertEquals(home, p.select(c, new RouteRequest("m", null, prompt + "q2")), "the first 1024 chars decide");
        for (int i = 0; i < 20; i++) {
            load.dispatched(c[home]);
        }
        assertNotEquals(home, p.select(c, new RouteRequest("m", null, prompt + "q3")), "load factor exceeded");
    }

    @Test
    void leastLoadWithoutReportsIsJoinTheShortestQueue() {
        Worker[] c = workers(3);
        LeastLoadPolicy p = new LeastLoadPolicy(RoutingSettings.defaults());
        load.dispatched(c[0]);
        load.dispatched(c[0]);
        load.dispatched(c[1]);
        assertEquals(2, p.select(c, keyed(null)));
    }

    @Test
    void bucketSendsShortAndLongRequestsToDifferentWorkersUntilImbalanced() {
        Worker[] c = workers(2);
        BucketPolicy p = new BucketPolicy(64, 1.5);
        int shortOne = p.select(c, new RouteRequest("m", null, "x".repeat(100)));
        int longOne = p.select(c, new RouteRequest("m", null, "x".repeat(3000)));
        assertNotEquals(shortOne, longOne, "lengths below and above 2048 belong to different workers");
        // a run of long requests makes the spread too wide: the next goes to the lighter worker
        for (int i = 0; i < 5; i++) {
            p.select(c, new RouteRequest("m", null, "x".repeat(3000)));
        }
        assertEquals(shortOne, p.select(c, new RouteRequest("m", null, "x".repeat(3000))));
    }

    @Test
    void leastLoadCountsTheSizeOfWhatItDispatchedSinceTheLastReport() {
        Worker[] c = workers(2);
        long at = System.nanoTime();
        for (Worker w : c) {
            io.drover.workers.TestWorkers.report(w, new io.drover.workers.LoadSnapshot(0, 0, 0.1, 0, 1000, at));
        }
        LeastLoadPolicy p = new LeastLoadPolicy(RoutingSettings.defaults());
        String longPrompt = "x".repeat(4 * 14_000);
        int first = p.select(c, new RouteRequest("m", null, longPrompt));
        for (int i = 0; i < 3; i++) {
            assertNotEquals(first, p.select(c, new RouteRequest("m", null, "a short question")),
                    "a 14k-token prompt weighs more than three short ones (SMG's guess: 1,024 tokens each)");
        }
    }
}
