package io.drover.routing;

import io.drover.config.RoutingSettings;
import io.drover.routing.prefix.BlockHashes;
import io.drover.routing.prefix.PrefixIndex;
import io.drover.workers.LoadSnapshot;
import io.drover.workers.Worker;

/**
 * SMG's {@code cache_aware} policy over the shared {@link PrefixIndex}: a request whose prompt
 * prefix is held by a worker (match ratio above {@code --cache-threshold}) goes to that worker,
 * unless that worker is overloaded — then, and for cache misses, to the least-loaded worker. The
 * chosen worker is recorded as holding the prefix.
 *
 * <p>Overload is judged for the prefix's owner itself (SMG judges the fleet's spread, so one busy
 * worker elsewhere made it drop every affinity): the owner is overloaded when it has more than
 * {@code --balance-abs-threshold} requests in flight beyond the least-loaded worker <em>and</em>
 * more than {@code --balance-rel-threshold} times its load, or when its reported KV usage passes
 * {@code --overload-token-usage-threshold}, or exceeds the least-used worker's by
 * {@code --balance-token-usage-threshold}. The imbalance rule always wins over affinity.
 *
 * <p>Threading: policy thread only.
 */
final class CacheAwarePolicy implements Policy {
    private final RoutingSettings s;
    private final PrefixIndex index;
    private final String model;
    private final long modelKey;
    private final BlockHashes hashes = new BlockHashes();
    private final PrefixIndex.Owners owners = new PrefixIndex.Owners();
    private final Candidates cands = new Candidates();

    CacheAwarePolicy(RoutingSettings settings, PrefixIndex index, String model) {
        this.s = settings;
        this.index = index;
        this.model = model;
        this.modelKey = BlockHashes.key(model);
    }

    @Override
    public String name() {
        return "cache_aware";
    }

    @Override
    public boolean needsText() {
        return true;
    }

    @Override
    public int select(Worker[] c, RouteRequest r) {
        cands.on(c);
        int min = Candidates.minLoad(c);
        int n;
        int units;
        int perBlock;
        if (r.tokens() != null) {
            n = hashes.ofTokens(model, r.tokens(), s.blockSize());
            units = r.tokens().length;
            perBlock = s.blockSize();
        } else if (r.text() != null) {
            n = hashes.ofText(model, r.text(), s.charsPerBlock());
            units = r.text().length();
            perBlock = s.charsPerBlock();
        } else {
            return min;
        }
        if (n == 0) {
            return min; // shorter than one block: nothing to share
        }
        int chosen = min;
        int matched = index.longestMatch(hashes.hashes(), n, owners);
        double ratio = (double) matched * perBlock / units;
        if (ratio > s.cacheThreshold()) {
            for (int i = 0; i < owners.count(); i++) {
                int k = cands.indexOfKey(owners.worker(i));
                if (k >= 0 && !overloaded(c, k, min)) {
                    chosen = k;
                    break;
                }
            }
        }
        index.insert(modelKey, hashes.hashes(), n, cands.key(chosen), matched);
        return chosen;
    }

    /** True when candidate {@code k} is too busy to keep affinity, compared with candidate {@code min}. */
    private boolean overloaded(Worker[] c, int k, int min) {
        int load = c[k].inFlight();
        int least = c[min].inFlight();
        if (load - least > s.balanceAbsThreshold() && load > s.balanceRelThreshold() * least) {
            return true;
        }
        LoadSnapshot mine = c[k].load();
        if (mine == null) {
            return false;
        }
        if (s.overloadTokenUsageThreshold() < 1.0 && mine.tokenUsage() > s.overloadTokenUsageThreshold()) {
            return true;
        }
        if (s.balanceTokenUsageThreshold() < 1.0) {
            double lowest = mine.tokenUsage();
            for (Worker w : c) {
                if (w.load() != null) {
                    lowest = Math.min(lowest, w.load().tokenUsage());
                }
            }
            return mine.tokenUsage() - lowest > s.balanceTokenUsageThreshold();
        }
        return false;
    }
}
