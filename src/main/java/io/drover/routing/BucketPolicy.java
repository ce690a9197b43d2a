package io.drover.routing;

import io.drover.workers.Worker;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;

/**
 * SMG's {@code bucket} policy (length-bucketed routing, meant for prefill workers): each worker,
 * in URL order, owns a range of request lengths (characters); initially {@value #L_MAX} is split
 * evenly. Over a sliding window of {@value #WINDOW_MS} ms the characters sent to each worker are
 * counted; when the spread is too wide ({@code max - min > --balance-abs-threshold} and
 * {@code max > --balance-rel-threshold * min}) the request goes to the worker with the fewest,
 * otherwise to the owner of its length's range. Every window the ranges are recomputed from the
 * lengths seen, so that each worker gets an equal share of characters, when the share had drifted
 * by more than 2x. Policy thread only.
 */
final class BucketPolicy implements Policy {
    static final int L_MAX = 4096;
    static final long WINDOW_MS = 5000;

    private final int absThreshold;
    private final double relThreshold;
    private final ArrayDeque<long[]> window = new ArrayDeque<>(); // {atMillis, chars, workerKey}
    private Worker[] of;
    private Integer[] order = new Integer[0]; // candidate indices sorted by URL
    private long[] upper = new long[0];       // upper[k]: the largest length owned by order[k]
    private long[] sent = new long[0];        // characters per sorted position in the window
    private long lastAdjust = System.currentTimeMillis();

    BucketPolicy(int absThreshold, double relThreshold) {
        this.absThreshold = absThreshold;
        this.relThreshold = relThreshold;
    }

    @Override
    public String name() {
        return "bucket";
    }

    @Override
    public boolean needsText() {
        return true;
    }

    @Override
    public int select(Worker[] c, RouteRequest r) {
        if (c != of) {
            reset(c);
        }
        long now = System.currentTimeMillis();
        expire(now);
        long len = r.text() != null ? r.text().length() : r.tokens() != null ? r.tokens().length * 4L : 0;
        int pos;
        long max = Long.MIN_VALUE;
        long min = Long.MAX_VALUE;
        int minPos = 0;
        for (int k = 0; k < sent.length; k++) {
            max = Math.max(max, sent[k]);
            if (sent[k] < min) {
                min = sent[k];
                minPos = k;
            }
        }
        if (max - min > absThreshold && max > relThreshold * min) {
            pos = minPos;
        } else {
            pos = Arrays.binarySearch(upper, len);
            pos = pos >= 0 ? pos : Math.min(-pos - 1, upper.length - 1);
        }
        sent[pos] += len;
        window.addLast(new long[] {now, len, pos});
        if (now - lastAdjust >= WINDOW_MS) {
            adjust();
            lastAdjust = now;
        }
        return order[pos];
    }

    private void reset(Worker[] c) {
        of = c;
        order = new Integer[c.length];
        for (int i = 0; i < c.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing(i -> c[i].url()));
        upper = new long[c.length];
        for (int k = 0; k < c.length; k++) {
            upper[k] = k == c.length - 1 ? Long.MAX_VALUE : (long) L_MAX * (k + 1) / c.length;
        }
        sent = new long[c.length];
        window.clear();
    }

    private void expire(long now) {
        while (!window.isEmpty() && now - window.peekFirst()[0] > WINDOW_MS) {
            long[] e = window.pollFirst();
            sent[(int) e[2]] -= e[1];
        }
    }

    /** Recomputes the ranges from the window's lengths when the per-worker shares drifted past 2x. */
    private void adjust() {
        if (window.size() < sent.length * 4) {
            return;
        }
        long max = 0;
        long min = Long.MAX_VALUE;
        for (long v : sent) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        if (max <= 2 * Math.max(1, min)) {
            return;
        }
        long[] lengths = window.stream().mapToLong(e -> e[1]).sorted().toArray();
        long total = Arrays.stream(lengths).sum();
        long share = Math.max(1, total / sent.length);
        int k = 0;
        long acc = 0;
        for (long l : lengths) {
            acc += l;
            if (acc >= share * (k + 1) && k < sent.length - 1) {
                upper[k++] = l;
            }
        }
        for (; k < sent.length - 1; k++) {
            upper[k] = k == 0 ? 0 : upper[k - 1];
        }
        upper[sent.length - 1] = Long.MAX_VALUE;
    }
}
