package io.drover.bench;

import io.drover.mock.PrefixCache;
import io.drover.mock.PromptBlocks;

/**
 * An upper-bound router inside the load generator: it mirrors every realistic mock worker's prefix
 * cache from the requests it sent there (same {@link PromptBlocks} hashing, LRU over {@code kvTokens}
 * tokens) and picks, among the workers whose in-flight count is within {@code slack} of the least
 * loaded one, the one holding the longest prefix of the prompt (ties: fewer in flight, then lower
 * index). Used by {@link WorkloadGen} {@code --oracle}; thread-safe (one lock, held for microseconds).
 */
final class Oracle {
    private final PrefixCache[] caches;
    private final int[] inflight;
    private final long capacityBlocks;
    private final int slack;

    Oracle(int workers, long kvTokens, int blockSize, int slack) {
        caches = new PrefixCache[workers];
        for (int i = 0; i < workers; i++) caches[i] = new PrefixCache();
        inflight = new int[workers];
        capacityBlocks = Math.max(1, kvTokens / blockSize);
        this.slack = slack;
    }

    /** Chooses a worker for {@code p}, counts it in flight and records its blocks as cached there. */
    synchronized int pick(PromptBlocks p) {
        int min = Integer.MAX_VALUE;
        for (int f : inflight) min = Math.min(min, f);
        int best = -1;
        int bestMatch = -1;
        for (int i = 0; i < caches.length; i++) {
            if (inflight[i] > min + slack) continue;
            int m = caches[i].peek(p);
            if (m > bestMatch || (m == bestMatch && inflight[i] < inflight[best])) {
                best = i;
                bestMatch = m;
            }
        }
        inflight[best]++;
        PrefixCache c = caches[best];
        c.match(p);
        c.insert(p, p.blockCount());
        while (c.size() > capacityBlocks && c.evictOne()) { }
        return best;
    }

    /** The request sent to {@code worker} finished. */
    synchronized void done(int worker) {
        inflight[worker]--;
    }
}
