package io.drover.ingress;

import com.fasterxml.jackson.jr.ob.JSON;
import io.drover.egress.ApiErrors;
import io.drover.routing.RouteRequest;
import io.drover.routing.RoutingEngine;
import io.drover.workers.Worker;
import io.drover.workers.WorkerClient;
import io.drover.workers.WorkerRegistry;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Model listing, worker information and fleet fan-out: {@code GET /v1/models} (the union of the
 * workers' models), {@code /get_model_info} and {@code /get_server_info} (from one Ready worker),
 * {@code GET /get_loads} and {@code POST /flush_cache} (every worker, in parallel; 206 when some
 * fail). Handlers run on request threads; fan-out uses one virtual thread per worker.
 */
public final class InfoRoutes {
    private final WorkerRegistry registry;
    private final RoutingEngine engine;
    private final WorkerClient client;
    private final Map<String, String> aliases;
    private final java.util.function.Consumer<Worker> flushed;

    public InfoRoutes(WorkerRegistry registry, RoutingEngine engine, WorkerClient client, Map<String, String> aliases) {
        this(registry, engine, client, aliases, w -> { });
    }

    /**
     * @param flushed  told of each worker whose cache was flushed (the prefix index forgets what it
     *                 recorded for that worker: the worker no longer holds it)
     */
    public InfoRoutes(WorkerRegistry registry, RoutingEngine engine, WorkerClient client, Map<String, String> aliases,
                      java.util.function.Consumer<Worker> flushed) {
        this.flushed = flushed;
        this.registry = registry;
        this.engine = engine;
        this.client = client;
        this.aliases = aliases;
    }

    /** {@code GET /v1/models}: each model once, with the runtime of the first worker serving it. */
    public void models(ServerRequest req, ServerResponse res) {
        Map<String, String> owners = new LinkedHashMap<>();
        for (Worker w : registry.all()) {
            for (String m : w.models()) {
                owners.putIfAbsent(m, "unspecified".equals(w.runtime()) ? "drover" : w.runtime());
            }
        }
        aliases.forEach((alias, target) -> {
            if (owners.containsKey(target)) {
                owners.putIfAbsent(alias, owners.get(target));
            }
        });
        List<Object> data = new ArrayList<>();
        owners.forEach((id, owner) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("object", "model");
            m.put("created", 0);
            m.put("owned_by", owner);
            data.add(m);
        });
        sendJson(res, 200, Map.of("object", "list", "data", data));
    }

    /** {@code GET /get_model_info}, {@code /get_server_info}, {@code /health_generate}: one worker's answer. */
    public void fromOneWorker(String path, ServerRequest req, ServerResponse res) {
        RouteRequest route = new RouteRequest(null, null, null);
        if (engine.route(route) != RouteRequest.Outcome.ROUTED) {
            ApiErrors.send(res, 503, "service_unavailable", "no_available_workers", "no healthy worker is available");
            return;
        }
        Worker w = route.worker();
        try {
            WorkerClient.Small r = client.get(w, path);
            res.status(r.status());
            if (r.contentType() != null) {
                res.header("Content-Type", r.contentType());
            }
            res.send(r.body());
        } catch (IOException e) {
            ApiErrors.send(res, 502, "upstream_error", "upstream_unreachable", "worker " + w.url() + " did not answer");
        } finally {
            engine.release(w);
        }
    }

    /** {@code GET /get_loads}: each worker's load report; {@code load} is KV tokens in use, -1 on error. */
    public void loads(ServerRequest req, ServerResponse res) {
        List<Worker> workers = registry.all();
        List<Map<String, Object>> out = new ArrayList<>();
        int failed = 0;
        for (Result r : fanOut(workers, w -> client.get(w, "/get_loads"))) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("worker", r.worker.url());
            long load = -1;
            if (r.ok()) {
                Object details = parse(r.body);
                e.put("details", details);
                load = usedTokens(details);
            } else {
                failed++;
                e.put("error", r.error);
            }
            e.put("load", load);
            out.add(e);
        }
        sendJson(res, status(failed, workers.size()), Map.of("workers", out));
    }

    /** {@code POST /flush_cache}: flushes every worker's prefix cache. */
    public void flushCache(ServerRequest req, ServerResponse res) {
        List<Worker> workers = registry.all();
        List<Map<String, Object>> out = new ArrayList<>();
        int failed = 0;
        for (Result r : fanOut(workers, w -> client.post(w, "/flush_cache", new byte[0]))) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("worker", r.worker.url());
            e.put("success", r.ok());
            if (r.ok()) {
                flushed.accept(r.worker);
            }
            if (r.status > 0) {
                e.put("status_code", r.status);
            }
            if (!r.ok()) {
                failed++;
                e.put("error", r.error);
            }
            out.add(e);
        }
        int status = status(failed, workers.size());
        String message = failed == 0 ? "cache flushed on " + workers.size() + " worker(s)"
                : "cache flush failed on " + failed + " of " + workers.size() + " worker(s)";
        sendJson(res, status, Map.of("status", failed == 0 ? "success" : "partial", "message", message,
                "workers", out));
    }

    private static int status(int failed, int total) {
        if (failed == 0) {
            return 200;
        }
        return failed == total ? 502 : 206;
    }

    private interface Call {
        WorkerClient.Small call(Worker w) throws IOException;
    }

    private record Result(Worker worker, int status, byte[] body, String error) {
        boolean ok() {
            return error == null && status / 100 == 2;
        }
    }

    private static List<Result> fanOut(List<Worker> workers, Call call) {
        List<Result> results = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Result>> fs = new ArrayList<>();
            for (Worker w : workers) {
                fs.add(ex.submit(() -> {
                    try {
                        WorkerClient.Small r = call.call(w);
                        return new Result(w, r.status(), r.body(), r.status() / 100 == 2 ? null : "HTTP " + r.status());
                    } catch (IOException e) {
                        return new Result(w, 0, null, "unreachable: " + e.getClass().getSimpleName());
                    }
                }));
            }
            for (Future<Result> f : fs) {
                try {
                    results.add(f.get());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return results;
    }

    private static Object parse(byte[] body) {
        try {
            return JSON.std.anyFrom(body);
        } catch (IOException e) {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Sums {@code num_used_tokens} over the report (one object, or a list of per-rank objects). */
    static long usedTokens(Object details) {
        if (details instanceof Map<?, ?> m) {
            if (m.get("num_used_tokens") instanceof Number n) {
                return n.longValue();
            }
            for (String k : List.of("loads", "dp_rank_loads", "core")) {
                if (m.get(k) != null) {
                    long v = usedTokens(m.get(k));
                    if (v >= 0) {
                        return v;
                    }
                }
            }
            return m.get("load") instanceof Number n ? n.longValue() : 0;
        }
        if (details instanceof List<?> l) {
            long sum = 0;
            for (Object o : l) {
                sum += Math.max(0, usedTokens(o));
            }
            return sum;
        }
        return -1;
    }

    static void sendJson(ServerResponse res, int status, Object body) {
        try {
            res.status(status);
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            res.send(JSON.std.asBytes(body));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
