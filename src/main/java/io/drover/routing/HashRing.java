package io.drover.routing;

import io.drover.routing.prefix.BlockHashes;
import io.drover.workers.Worker;
import java.util.Arrays;
import java.util.List;

/**
 * A consistent-hash ring with {@value #VNODES} virtual nodes per worker (keyed {@code url#i}),
 * built over every worker of a model, Ready or not, so that a worker that flaps does not move other
 * workers' keys. A lookup walks clockwise from the key to the first point whose worker is a
 * candidate now. Immutable; built and used by the policy thread.
 */
final class HashRing {
    static final int VNODES = 150;

    private final long[] points;
    private final Worker[] owners;

    private HashRing(long[] points, Worker[] owners) {
        this.points = points;
        this.owners = owners;
    }

    /** The ring over the workers of {@code model} ({@code ""} = every worker), whatever their state. */
    static HashRing forModel(List<Worker> all, String model) {
        List<Worker> mine = new java.util.ArrayList<>();
        for (Worker w : all) {
            if (model.isEmpty() || w.serves(model)) {
                mine.add(w);
            }
        }
        return of(mine);
    }

    static HashRing of(List<Worker> workers) {
        int n = workers.size() * VNODES;
        long[][] pairs = new long[n][];
        Worker[] byIndex = workers.toArray(new Worker[0]);
        int k = 0;
        for (int w = 0; w < byIndex.length; w++) {
            for (int v = 0; v < VNODES; v++) {
                pairs[k++] = new long[] {BlockHashes.key(byIndex[w].url() + "#" + v), w};
            }
        }
        Arrays.sort(pairs, (a, b) -> Long.compare(a[0], b[0]));
        long[] points = new long[n];
        Worker[] owners = new Worker[n];
        for (int i = 0; i < n; i++) {
            points[i] = pairs[i][0];
            owners[i] = byIndex[(int) pairs[i][1]];
        }
        return new HashRing(points, owners);
    }

    /** The candidate that owns {@code key}: the first candidate clockwise from it, or -1. */
    int lookup(long key, Candidates candidates) {
        if (points.length == 0) {
            return -1;
        }
        int i = Arrays.binarySearch(points, key);
        if (i < 0) {
            i = -i - 1;
        }
        for (int step = 0; step < points.length; step++) {
            int at = (i + step) % points.length;
            int idx = candidates.indexOf(owners[at]);
            if (idx >= 0) {
                return idx;
            }
        }
        return -1;
    }
}
