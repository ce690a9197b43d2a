package io.drover.routing;

import io.drover.workers.Worker;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * SMG's {@code manual} policy: sticky routing keys ({@code x-smg-routing-key}). Each key remembers
 * up to two workers; a request goes to the first of them that is Ready, else the key is placed on a
 * new worker ({@code --assignment-mode}: random, min_load — fewest requests in flight — or min_group
 * — fewest keys), which is remembered first. Keys idle past {@code --max-idle-secs} are forgotten.
 * A request without a key gets a fresh assignment. Workers joining move no key. Policy thread only.
 */
final class ManualPolicy implements Policy {
    static final int MAX_CANDIDATES = 2;

    private final String mode;
    private final long maxIdleNanos;
    private final SplittableRandom random = new SplittableRandom();
    private final Map<String, Node> keys = new HashMap<>();
    private final Map<Worker, Integer> keysPerWorker = new HashMap<>();
    private final Candidates cands = new Candidates();

    private static final class Node {
        final Worker[] workers = new Worker[MAX_CANDIDATES];
        long lastUsed;
    }

    ManualPolicy(String assignmentMode, java.time.Duration maxIdle) {
        this.mode = assignmentMode;
        this.maxIdleNanos = maxIdle.toNanos();
    }

    @Override
    public String name() {
        return "manual";
    }

    @Override
    public int select(Worker[] c, RouteRequest r) {
        cands.on(c);
        String key = r.routingKey();
        if (key == null) {
            return assign(c);
        }
        Node n = keys.get(key);
        long now = System.nanoTime();
        if (n != null) {
            n.lastUsed = now;
            for (Worker w : n.workers) {
                int i = w == null ? -1 : cands.indexOf(w);
                if (i >= 0) {
                    return i;
                }
            }
        } else {
            n = new Node();
            n.lastUsed = now;
            keys.put(key, n);
        }
        int i = assign(c);
        Worker evicted = n.workers[MAX_CANDIDATES - 1];
        if (evicted != null) {
            keysPerWorker.merge(evicted, -1, Integer::sum);
        }
        System.arraycopy(n.workers, 0, n.workers, 1, MAX_CANDIDATES - 1);
        n.workers[0] = c[i];
        keysPerWorker.merge(c[i], 1, Integer::sum);
        return i;
    }

    private int assign(Worker[] c) {
        return switch (mode) {
            case "min_load" -> Candidates.minLoad(c);
            case "min_group" -> {
                int best = 0;
                int fewest = Integer.MAX_VALUE;
                for (int i = 0; i < c.length; i++) {
                    int k = keysPerWorker.getOrDefault(c[i], 0);
                    if (k < fewest) {
                        fewest = k;
                        best = i;
                    }
                }
                yield best;
            }
            default -> random.nextInt(c.length);
        };
    }

    @Override
    public void onTick(long nowNanos) {
        for (Iterator<Node> it = keys.values().iterator(); it.hasNext(); ) {
            Node n = it.next();
            if (nowNanos - n.lastUsed > maxIdleNanos) {
                for (Worker w : n.workers) {
                    if (w != null) {
                        keysPerWorker.merge(w, -1, Integer::sum);
                    }
                }
                it.remove();
            }
        }
    }

    @Override
    public void onWorkersChanged(List<Worker> all) {
        keysPerWorker.keySet().retainAll(new java.util.HashSet<>(all));
    }

    /** Sticky keys held (metrics, tests). */
    int size() {
        return keys.size();
    }
}
