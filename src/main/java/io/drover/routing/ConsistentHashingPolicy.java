package io.drover.routing;

import io.drover.routing.prefix.BlockHashes;
import io.drover.workers.Worker;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SMG's {@code consistent_hashing}: in order of priority, (1) {@code x-smg-target-worker}, a 0-based
 * index into the Ready candidates (out of range fails the request, no fallback); (2)
 * {@code x-smg-routing-key} on the hash ring; (3) an implicit key from the request's identity
 * (authorization, then x-forwarded-for, then cookie); (4) random. Policy thread only.
 */
final class ConsistentHashingPolicy implements Policy {
    private final String model;
    private final SplittableRandom random = new SplittableRandom();
    private final Candidates cands = new Candidates();
    private HashRing ring = HashRing.of(List.of());

    ConsistentHashingPolicy(String model) {
        this.model = model;
    }

    @Override
    public String name() {
        return "consistent_hashing";
    }

    @Override
    public void onWorkersChanged(List<Worker> all) {
        ring = HashRing.forModel(all, model);
    }

    @Override
    public int select(Worker[] c, RouteRequest r) {
        cands.on(c);
        if (r.targetWorker() != null) {
            try {
                int i = Integer.parseInt(r.targetWorker().trim());
                return i >= 0 && i < c.length ? i : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        String key = r.routingKey() != null ? r.routingKey() : r.implicitKey();
        if (key == null) {
            return random.nextInt(c.length);
        }
        int i = ring.lookup(BlockHashes.key(key), cands);
        return i >= 0 ? i : random.nextInt(c.length);
    }
}
