package io.drover.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.config.RoutingSettings;
import io.drover.routing.prefix.ChroniclePrefixIndex;
import io.drover.workers.TestWorkers;
import io.drover.workers.Worker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheAwarePolicyTest {
    @TempDir
    Path dir;
    ChroniclePrefixIndex index;
    final RoutingSettings s = RoutingSettings.defaults();
    final Worker.LoadCounters load = Worker.newLoadCounters();

    @BeforeEach
    void open() throws Exception {
        index = ChroniclePrefixIndex.open(dir.resolve("p.dat"), 1 << 16, 1 << 16, Duration.ofHours(1));
    }

    @AfterEach
    void close() {
        index.close();
    }

    private static Worker[] workers(int n) {
        Worker[] w = new Worker[n];
        for (int i = 0; i < n; i++) {
            w[i] = TestWorkers.ready("http://10.0.0." + i + ":8000", "m");
        }
        return w;
    }

    private static String text(long seed, int chars) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < chars) {
            sb.append("word").append(r.nextInt(1000)).append(' ');
        }
        return sb.substring(0, chars);
    }

    /** Routes like the engine does: select, then count the dispatch. */
    private int route(Policy p, Worker[] c, String text, boolean release) {
        int i = p.select(c, new RouteRequest("m", null, text));
        load.dispatched(c[i]);
        if (release) {
            load.released(c[i]);
        }
        return i;
    }

    @Test
    void aSharedLongPrefixStaysOnOneWorkerWhileBalanced() {
        Policy p = new CacheAwarePolicy(s, index, "m");
        Worker[] c = workers(4);
        String system = text(1, 4000);
        int first = route(p, c, system + " question one", true);
        for (int q = 0; q < 30; q++) {
            assertEquals(first, route(p, c, system + " another question " + q, true), "turn " + q);
        }
    }

    @Test
    void aConversationFollowsItsWorkerTurnAfterTurn() {
        Policy p = new CacheAwarePolicy(s, index, "m");
        Worker[] c = workers(4);
        StringBuilder convo = new StringBuilder("system: be brief\nuser: " + text(2, 600) + "\n");
        int home = route(p, c, convo.toString(), true);
        for (int turn = 0; turn < 10; turn++) {
            convo.append("assistant: ").append(text(100 + turn, 300)).append("\nuser: ").append(text(200 + turn, 200))
                    .append('\n');
            assertEquals(home, route(p, c, convo.toString(), true), "turn " + turn);
        }
    }

    @Test
    void unrelatedPrefixesSpreadOverTheFleet() {
        Policy p = new CacheAwarePolicy(s, index, "m");
        Worker[] c = workers(4);
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            used.add(route(p, c, text(1000 + i, 2000), false)); // held in flight: the least loaded takes the next
        }
        assertEquals(4, used.size(), "misses go to the least-loaded worker");
    }

    @Test
    void anOverloadedOwnerIsAvoidedAndAffinityReturnsAfterwards() {
        RoutingSettings tight = s.withBalance(0.3, 4, 1.5);
        Policy p = new CacheAwarePolicy(tight, index, "m");
        Worker[] c = workers(3);
        String system = text(7, 3000);
        int owner = route(p, c, system + "q0", true);
        for (int i = 0; i < 10; i++) {
            load.dispatched(c[owner]); // the owner gets busy with 10 long requests
        }
        int other = route(p, c, system + "q1", true);
        assertNotEquals(owner, other, "an owner with 10 more in flight than the least loaded is overloaded");
        for (int i = 0; i < 10; i++) {
            load.released(c[owner]);
        }
        int back = route(p, c, system + "q2", true);
        assertTrue(back == owner || back == other, "affinity resumes on a worker holding the prefix");
    }

    @Test
    void aShortPromptGoesToTheLeastLoaded() {
        Policy p = new CacheAwarePolicy(s, index, "m");
        Worker[] c = workers(2);
        load.dispatched(c[0]);
        assertEquals(1, route(p, c, "hi", true));
    }

    @Test
    void tokenIdsAreIndexedInBlocks() {
        Policy p = new CacheAwarePolicy(s, index, "m");
        Worker[] c = workers(4);
        int[] tokens = new int[512];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i * 7;
        }
        int home = p.select(c, new RouteRequest("m", null, null, tokens, null, null));
        load.dispatched(c[home]);
        load.released(c[home]);
        for (int k = 0; k < 5; k++) {
            int[] longer = java.util.Arrays.copyOf(tokens, 600 + k);
            assertEquals(home, p.select(c, new RouteRequest("m", null, null, longer, null, null)));
        }
    }
}
