package io.drover.routing;

import io.drover.config.RoutingSettings;
import io.drover.workers.LoadSnapshot;
import io.drover.workers.Worker;
import java.util.IdentityHashMap;

/**
 * SMG's {@code least_load}: the worker with the lowest estimated wait,
 * {@code (queued_tokens + inflight_tokens) / throughput + w * k / (1 - k)}, where queued tokens and
 * KV usage {@code k} come from the worker's last load report, throughput is its generation
 * throughput (else {@code --least-load-default-throughput}), and in-flight tokens are the prompt
 * tokens this gateway dispatched since that report: the request's own size when it is known (token
 * ids, or four characters per token of its routing text), else {@code --least-load-mean-prefill-tokens}
 * (SMG's estimate, which herds long prompts onto one worker between two reports). A
 * worker without a report while others have one is scored on its in-flight count; with no reports
 * at all it is join-the-shortest-queue on in-flight counts. Policy thread only.
 */
final class LeastLoadPolicy implements Policy {
    private final RoutingSettings s;
    private final IdentityHashMap<Worker, long[]> sinceReport = new IdentityHashMap<>(); // {reportAt, tokens}

    LeastLoadPolicy(RoutingSettings settings) {
        this.s = settings;
    }

    @Override
    public String name() {
        return "least_load";
    }

    @Override
    public boolean needsText() {
        return true;
    }

    @Override
    public int select(Worker[] c, RouteRequest r) {
        boolean anyReport = false;
        for (Worker w : c) {
            anyReport |= w.load() != null;
        }
        int best;
        if (!anyReport) {
            best = Candidates.minLoad(c);
        } else {
            best = 0;
            double bestScore = Double.MAX_VALUE;
            for (int i = 0; i < c.length; i++) {
                double score = score(c[i]);
                if (score < bestScore) {
                    bestScore = score;
                    best = i;
                }
            }
        }
        dispatched(c[best], promptTokens(r));
        return best;
    }

    private double score(Worker w) {
        LoadSnapshot l = w.load();
        if (l == null) {
            return (double) w.inFlight() * s.meanPrefillTokens() / s.defaultThroughput();
        }
        long[] since = sinceReport.get(w);
        long inflightTokens = since != null && since[0] == l.atNanos() ? since[1] : 0;
        double throughput = l.genThroughput() > 0 ? l.genThroughput() : s.defaultThroughput();
        double k = Math.min(l.tokenUsage(), 0.999);
        return (l.waitingTokens() + inflightTokens) / throughput + s.kvPressureWeight() * k / (1 - k);
    }

    /** The request's prompt size in tokens when known, else the configured mean. */
    private long promptTokens(RouteRequest r) {
        if (r.tokens() != null) {
            return r.tokens().length;
        }
        return r.text() != null ? Math.max(1, r.text().length() / 4) : s.meanPrefillTokens();
    }

    private void dispatched(Worker w, long tokens) {
        LoadSnapshot l = w.load();
        if (l == null) {
            return;
        }
        long[] since = sinceReport.computeIfAbsent(w, k -> new long[2]);
        if (since[0] != l.atNanos()) {
            since[0] = l.atNanos(); // a fresh report counts what was dispatched before it
            since[1] = 0;
        }
        since[1] += tokens;
    }

    @Override
    public void onWorkersChanged(java.util.List<Worker> all) {
        java.util.Set<Worker> live = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        live.addAll(all);
        sinceReport.keySet().retainAll(live);
    }
}
