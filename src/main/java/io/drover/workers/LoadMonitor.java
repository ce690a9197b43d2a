package io.drover.workers;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Polls every Ready worker's own load report every {@code --load-monitor-interval}, as SMG's
 * worker monitor does: SGLang's {@code /v1/loads} (then {@code /get_load}), else Prometheus
 * {@code /metrics} with SGLang ({@code sglang:}) or vLLM ({@code vllm:}) gauges. The result is
 * published on the worker ({@link Worker#load()}) for load-aware policies to read.
 *
 * <p>Threading: one platform ticker thread; each poll runs on its own virtual thread.
 */
public final class LoadMonitor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LoadMonitor.class.getName());

    private final WorkerRegistry registry;
    private final WorkerClient client;
    private final Duration interval;
    private final ScheduledExecutorService ticker;
    private final java.util.Set<String> polling = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public LoadMonitor(WorkerRegistry registry, WorkerClient client, Duration interval) {
        this.registry = registry;
        this.client = client;
        this.interval = interval;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "drover-load-monitor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts polling: a worker is polled when it has no report yet or its report is one interval old. */
    public void start() {
        long tick = Math.min(1000, interval.toMillis());
        ticker.scheduleWithFixedDelay(this::pollDue, tick, tick, TimeUnit.MILLISECONDS);
    }

    private void pollDue() {
        long now = System.nanoTime();
        for (Worker w : registry.all()) {
            LoadSnapshot last = w.load();
            boolean due = last == null || now - last.atNanos() >= interval.toNanos();
            if (w.isReady() && due && polling.add(w.id())) {
                Thread.ofVirtual().name("drover-load-poll").start(() -> {
                    try {
                        poll(w);
                    } finally {
                        polling.remove(w.id());
                    }
                });
            }
        }
    }

    /** Polls one worker now; the snapshot is left unchanged when the worker reports nothing usable. */
    public void poll(Worker w) {
        try {
            LoadSnapshot s = fromLoads(client.get(w, "/v1/loads"));
            if (s == null) {
                s = fromLoads(client.get(w, "/get_load"));
            }
            if (s == null) {
                WorkerClient.Small m = client.get(w, "/metrics");
                s = m.status() == 200 ? fromMetrics(new String(m.body(), StandardCharsets.UTF_8)) : null;
            }
            if (s != null) {
                w.load(s);
            }
        } catch (IOException | RuntimeException e) {
            LOG.fine(() -> "load poll of " + w.url() + " failed: " + e);
        }
    }

    /** Parses an SGLang load report: one object, a list of per-rank objects, or {"loads":[...]}. */
    static LoadSnapshot fromLoads(WorkerClient.Small r) {
        if (r.status() != 200) {
            return null;
        }
        try {
            Object doc = JSON.std.anyFrom(r.body());
            if (doc instanceof Map<?, ?> m && m.get("loads") instanceof List<?> l) {
                doc = l;
            }
            if (doc instanceof Map<?, ?> m && m.get("dp_rank_loads") instanceof List<?> l) {
                doc = l;
            }
            List<?> ranks = doc instanceof List<?> l ? l : List.of(doc);
            int running = 0;
            int waiting = 0;
            long waitingTokens = 0;
            double usage = 0;
            double throughput = 0;
            int n = 0;
            for (Object o : ranks) {
                if (!(o instanceof Map<?, ?> m)) {
                    continue;
                }
                Map<?, ?> core = m.get("core") instanceof Map<?, ?> c ? c : m;
                running += num(core, "num_running_reqs");
                waiting += num(core, "num_waiting_reqs") + num(core, "num_queue_reqs");
                waitingTokens += num(core, "num_waiting_uncached_tokens");
                double u = dbl(core, "token_usage");
                if (u == 0 && num(core, "max_total_num_tokens") > 0) {
                    u = (double) num(core, "num_used_tokens") / num(core, "max_total_num_tokens");
                }
                usage += u;
                throughput += dbl(core, "gen_throughput");
                n++;
            }
            if (n == 0) {
                return null;
            }
            return new LoadSnapshot(running, waiting, usage / n, waitingTokens, throughput, System.nanoTime());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Reads SGLang or vLLM gauges from Prometheus text. */
    static LoadSnapshot fromMetrics(String text) {
        double running = 0;
        double waiting = 0;
        double usage = 0;
        double throughput = 0;
        boolean any = false;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            String name = line.substring(0, brace >= 0 && brace < space ? brace : line.indexOf(' '));
            double v;
            try {
                v = Double.parseDouble(line.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            switch (name.replace("sglang_", "sglang:").replace("vllm_", "vllm:")) {
                case "sglang:num_running_reqs", "vllm:num_requests_running" -> { running += v; any = true; }
                case "sglang:num_queue_reqs", "vllm:num_requests_waiting" -> { waiting += v; any = true; }
                case "sglang:token_usage", "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc" -> {
                    usage = Math.max(usage, v);
                    any = true;
                }
                case "sglang:gen_throughput" -> throughput += v;
                default -> { }
            }
        }
        return any ? new LoadSnapshot((int) running, (int) waiting, usage, 0, throughput, System.nanoTime()) : null;
    }

    private static long num(Map<?, ?> m, String k) {
        return m.get(k) instanceof Number n ? n.longValue() : 0;
    }

    private static double dbl(Map<?, ?> m, String k) {
        return m.get(k) instanceof Number n ? n.doubleValue() : 0;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
