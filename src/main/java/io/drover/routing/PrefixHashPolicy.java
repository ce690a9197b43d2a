package io.drover.routing;

import io.drover.routing.prefix.BlockHashes;
import io.drover.workers.Worker;
import java.util.List;

/**
 * SMG's {@code prefix_hash}: the first {@code --prefix-token-count} tokens of the prompt are hashed
 * onto the consistent-hash ring; the ring's worker is used while its load stays within
 * {@code --prefix-hash-load-factor} of the mean ({@code load <= (total+1)/n * factor}), else the
 * least-loaded worker that passes that check, else the ring's worker. Unlike SMG's, it works on
 * HTTP text too (four characters per token). Policy thread only.
 */
final class PrefixHashPolicy implements Policy {
    private final String model;
    private final int prefixTokens;
    private final double loadFactor;
    private final Candidates cands = new Candidates();
    private HashRing ring = HashRing.of(List.of());

    PrefixHashPolicy(String model, int prefixTokens, double loadFactor) {
        this.model = model;
        this.prefixTokens = prefixTokens;
        this.loadFactor = loadFactor;
    }

    @Override
    public String name() {
        return "prefix_hash";
    }

    @Override
    public boolean needsText() {
        return true;
    }

    @Override
    public void onWorkersChanged(List<Worker> all) {
        ring = HashRing.forModel(all, model);
    }

    @Override
    public int select(Worker[] c, RouteRequest r) {
        cands.on(c);
        long key;
        if (r.tokens() != null) {
            long h = 0x51ED2705L;
            for (int i = 0; i < Math.min(prefixTokens, r.tokens().length); i++) {
                h = (h ^ r.tokens()[i]) * 0x100000001B3L;
            }
            key = h;
        } else if (r.text() != null) {
            String t = r.text();
            key = BlockHashes.key(t.length() > prefixTokens * 4 ? t.substring(0, prefixTokens * 4) : t);
        } else {
            return Candidates.minLoad(c);
        }
        int home = ring.lookup(key, cands);
        if (home < 0) {
            return Candidates.minLoad(c);
        }
        long total = 0;
        for (Worker w : c) {
            total += w.inFlight();
        }
        double limit = (double) (total + 1) / c.length * loadFactor;
        if (c[home].inFlight() <= limit) {
            return home;
        }
        int least = Candidates.minLoad(c);
        return c[least].inFlight() <= limit ? least : home;
    }
}
