package io.drover.routing;

import io.drover.routing.prefix.BlockHashes;
import io.drover.workers.Worker;
import java.util.IdentityHashMap;

/**
 * Per-candidate-array facts a policy needs again and again — each worker's stable 64-bit key and
 * its position — computed once per candidate array (the routing table hands out the same array
 * until the workers change). Used only by the policy thread.
 */
final class Candidates {
    private Worker[] of;
    private long[] keys = new long[0];
    private final IdentityHashMap<Worker, Integer> index = new IdentityHashMap<>();

    /** Refreshes the cache when {@code c} is not the array seen last. */
    Candidates on(Worker[] c) {
        if (c != of) {
            of = c;
            keys = new long[c.length];
            index.clear();
            for (int i = 0; i < c.length; i++) {
                keys[i] = BlockHashes.key(c[i].url());
                index.put(c[i], i);
            }
        }
        return this;
    }

    /** The key of candidate {@code i}. */
    long key(int i) {
        return keys[i];
    }

    /** The position of the candidate whose key is {@code key}, or -1. */
    int indexOfKey(long key) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == key) {
                return i;
            }
        }
        return -1;
    }

    /** The position of {@code w} among the candidates, or -1. */
    int indexOf(Worker w) {
        Integer i = index.get(w);
        return i == null ? -1 : i;
    }

    /** The least-loaded candidate: fewest requests in flight, then fewest processed, then first. */
    static int minLoad(Worker[] c) {
        int best = 0;
        for (int i = 1; i < c.length; i++) {
            Worker a = c[i];
            Worker b = c[best];
            if (a.inFlight() < b.inFlight() || (a.inFlight() == b.inFlight() && a.processed() < b.processed())) {
                best = i;
            }
        }
        return best;
    }
}
