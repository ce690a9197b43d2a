package io.drover.ingress;

import com.fasterxml.jackson.jr.ob.JSON;
import io.drover.config.WorkerUrls;
import io.drover.egress.ApiErrors;
import io.drover.workers.HealthMonitor;
import io.drover.workers.HealthOverrides;
import io.drover.workers.Worker;
import io.drover.workers.WorkerRegistry;
import io.drover.workers.WorkerSpec;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Worker management, SMG's REST API ({@code POST/GET /workers}, {@code GET/PUT/PATCH/DELETE
 * /workers/{id}}, where {@code id} is the worker id or its URL-encoded URL) and the SGLang-router
 * aliases {@code /add_worker?url=}, {@code /remove_worker?url=}, {@code /list_workers}.
 * Mutations answer 202 Accepted: a new worker is probed at once and takes traffic once it answers.
 */
public final class WorkerRoutes {
    private static final Set<String> SPEC_FIELDS = Set.of("url", "models", "model_id", "api_key", "labels",
            "priority", "cost", "worker_type", "runtime_type", "runtime", "connection_mode", "bootstrap_port", "health");
    private static final Set<String> PATCH_FIELDS = Set.of("priority", "cost", "labels", "api_key");
    private static final Set<String> WORKER_TYPES = Set.of("regular", "prefill", "decode", "encode");
    private static final Set<String> RUNTIMES =
            Set.of("sglang", "vllm", "trtllm", "mlx", "tokenspeed", "external", "unspecified");

    private final WorkerRegistry registry;
    private volatile int ownPort;
    private final HealthMonitor health;

    public WorkerRoutes(WorkerRegistry registry, HealthMonitor health) {
        this.registry = registry;
        this.health = health;
    }

    /** Registers a worker from a spec; throws {@link IllegalArgumentException} for a bad one. */
    public Worker register(WorkerSpec spec) {
        if (pointsAtSelf(spec.url())) {
            throw new IllegalArgumentException("worker url " + spec.url()
                    + " is this gateway's own address: requests would loop");
        }
        Worker w = registry.register(spec);
        health.probeNow(w);
        return w;
    }

    /**
     * Tells the routes the gateway's own port, so that a worker URL pointing back at it is refused.
     * Called once on the main thread after the server has started.
     */
    public void ownPort(int port) {
        this.ownPort = port;
    }

    /** True when {@code url} names this gateway: its port on a loopback, wildcard or local address. */
    private boolean pointsAtSelf(String url) {
        int own = ownPort;
        if (own <= 0) {
            return false;
        }
        try {
            java.net.URI u = java.net.URI.create(url.contains("@") ? url.substring(0, url.lastIndexOf('@')) : url);
            int port = u.getPort() > 0 ? u.getPort() : 80;
            if (port != own || u.getHost() == null) {
                return false; // only a same-port URL is worth a name lookup
            }
            java.net.InetAddress a = java.net.InetAddress.getByName(u.getHost());
            return a.isLoopbackAddress() || a.isAnyLocalAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (Exception e) {
            return false;
        }
    }

    /** {@code POST /workers}. */
    public void create(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = jsonBody(req, res);
        if (body == null) {
            return;
        }
        WorkerSpec spec;
        try {
            spec = spec(body, null);
        } catch (IllegalArgumentException e) {
            ApiErrors.badRequest(res, "invalid_worker_spec", e.getMessage());
            return;
        }
        try {
            Worker w = register(spec);
            accepted(res, w, "worker registration accepted; it takes traffic once its health check passes");
        } catch (WorkerRegistry.DuplicateWorkerException e) {
            ApiErrors.send(res, 409, "invalid_request_error", "worker_already_exists", e.getMessage());
        } catch (IllegalArgumentException e) {
            ApiErrors.badRequest(res, "invalid_worker_spec", e.getMessage());
        }
    }

    /** {@code GET /workers}. */
    public void list(ServerRequest req, ServerResponse res) {
        List<Object> workers = new ArrayList<>();
        Map<String, Integer> byStatus = new LinkedHashMap<>();
        for (Worker w : registry.all()) {
            workers.add(describe(w));
            byStatus.merge(w.status().wireName(), 1, Integer::sum);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("workers", workers);
        body.put("total", workers.size());
        body.put("stats", byStatus);
        InfoRoutes.sendJson(res, 200, body);
    }

    /** {@code GET /workers/{id}}. */
    public void get(ServerRequest req, ServerResponse res) {
        find(req, res).ifPresent(w -> InfoRoutes.sendJson(res, 200, describe(w)));
    }

    /** {@code PUT /workers/{id}}: replaces the spec and re-runs registration (the URL cannot change). */
    public void replace(ServerRequest req, ServerResponse res) {
        Target t = target(req, res);
        if (t == null) {
            return;
        }
        Worker w = t.worker();
        Map<String, Object> body = t.body();
        try {
            WorkerSpec spec = spec(body, w.url());
            registry.update(w, spec);
            health.probeNow(w);
            accepted(res, w, "worker update accepted");
        } catch (IllegalArgumentException e) {
            ApiErrors.badRequest(res, "invalid_worker_spec", e.getMessage());
        }
    }

    /** {@code PATCH /workers/{id}}: priority, cost, labels, api_key. */
    public void patch(ServerRequest req, ServerResponse res) {
        Target t = target(req, res);
        if (t == null) {
            return;
        }
        Worker w = t.worker();
        Map<String, Object> body = t.body();
        for (String k : body.keySet()) {
            if (!PATCH_FIELDS.contains(k)) {
                ApiErrors.badRequest(res, "invalid_worker_patch",
                        "field '" + k + "' cannot be patched; patchable: " + PATCH_FIELDS);
                return;
            }
        }
        WorkerSpec s = w.spec();
        try {
            WorkerSpec patched = new WorkerSpec(s.url(), s.models(),
                    body.containsKey("api_key") ? optString(body, "api_key") : s.apiKey(),
                    body.containsKey("labels") ? labels(body.get("labels")) : s.labels(),
                    body.containsKey("priority") ? intField(body, "priority") : s.priority(),
                    body.containsKey("cost") ? doubleField(body, "cost") : s.cost(),
                    s.workerType(), s.runtimeType(), s.health());
            registry.update(w, patched);
            accepted(res, w, "worker patched");
        } catch (IllegalArgumentException e) {
            ApiErrors.badRequest(res, "invalid_worker_patch", e.getMessage());
        }
    }

    /**
     * {@code DELETE /workers/{id}}: out of rotation at once and Draining for the settle time;
     * requests in flight finish.
     */
    public void delete(ServerRequest req, ServerResponse res) {
        find(req, res).ifPresent(w -> {
            if (registry.remove(w)) {
                accepted(res, w, "worker removed; draining");
            } else {
                ApiErrors.send(res, 404, "invalid_request_error", "worker_not_found", "worker " + w.url()
                        + " is already being removed");
            }
        });
    }

    /** {@code POST /add_worker?url=}. */
    public void addWorkerAlias(ServerRequest req, ServerResponse res) {
        Optional<String> url = req.query().first("url").asOptional();
        if (url.isEmpty() || url.get().isBlank()) {
            ApiErrors.badRequest(res, "missing_url", "query parameter 'url' is required");
            return;
        }
        Optional<String> bad = WorkerUrls.validate(url.get());
        if (bad.isPresent()) {
            ApiErrors.badRequest(res, "invalid_worker_url", bad.get());
            return;
        }
        try {
            Worker w = register(WorkerSpec.of(WorkerUrls.normalize(url.get())));
            InfoRoutes.sendJson(res, 200, Map.of("status", "success", "worker_id", w.id(), "url", w.url(),
                    "message", "Successfully added worker: " + w.url()));
        } catch (WorkerRegistry.DuplicateWorkerException e) {
            ApiErrors.send(res, 409, "invalid_request_error", "worker_already_exists", e.getMessage());
        } catch (IllegalArgumentException e) {
            ApiErrors.badRequest(res, "invalid_worker_url", e.getMessage());
        }
    }

    /** {@code POST /remove_worker?url=}. */
    public void removeWorkerAlias(ServerRequest req, ServerResponse res) {
        Optional<String> url = req.query().first("url").asOptional();
        if (url.isEmpty() || url.get().isBlank()) {
            ApiErrors.badRequest(res, "missing_url", "query parameter 'url' is required");
            return;
        }
        Optional<Worker> w = registry.find(url.get());
        if (w.isEmpty()) {
            ApiErrors.send(res, 404, "invalid_request_error", "worker_not_found", "no worker " + url.get());
            return;
        }
        registry.remove(w.get());
        InfoRoutes.sendJson(res, 200, Map.of("status", "success", "url", w.get().url(),
                "message", "Successfully removed worker: " + w.get().url()));
    }

    /** {@code GET /list_workers}. */
    public void listWorkersAlias(ServerRequest req, ServerResponse res) {
        InfoRoutes.sendJson(res, 200, Map.of("urls", registry.all().stream()
                .filter(w -> w.status() != io.drover.workers.WorkerStatus.DRAINING).map(Worker::url).toList()));
    }

    /** The worker a mutation names, and the mutation's JSON body. */
    private record Target(Worker worker, Map<String, Object> body) {}

    /** The worker of {@code /workers/{id}} and the JSON body, or null when an error was already sent. */
    private Target target(ServerRequest req, ServerResponse res) {
        Optional<Worker> found = find(req, res);
        if (found.isEmpty()) {
            return null;
        }
        Map<String, Object> body = jsonBody(req, res);
        return body == null ? null : new Target(found.get(), body);
    }

    private Optional<Worker> find(ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("id");
        String id = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        Optional<Worker> w = registry.find(id);
        if (w.isEmpty()) {
            ApiErrors.send(res, 404, "invalid_request_error", "worker_not_found", "no worker with id or url '" + id + "'");
        }
        return w;
    }

    private static void accepted(ServerResponse res, Worker w, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "accepted");
        body.put("worker_id", w.id());
        body.put("url", w.url());
        body.put("location", "/workers/" + w.id());
        body.put("message", message);
        res.header("Location", "/workers/" + w.id());
        InfoRoutes.sendJson(res, 202, body);
    }

    static Map<String, Object> describe(Worker w) {
        WorkerSpec s = w.spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("url", w.url());
        m.put("models", w.models());
        m.put("model_id", w.models().isEmpty() ? "unknown" : w.models().get(0));
        m.put("worker_type", s.workerType());
        m.put("connection_mode", "http");
        m.put("runtime_type", w.runtime());
        m.put("status", w.status().wireName());
        m.put("is_healthy", w.isReady());
        m.put("load", w.inFlight());
        m.put("processed", w.processed());
        m.put("priority", s.priority());
        m.put("cost", s.cost());
        m.put("labels", s.labels());
        m.put("has_api_key", s.apiKey() != null);
        if (w.dpRank() >= 0) {
            m.put("dp_rank", w.dpRank());
            m.put("dp_base_url", w.baseUrl());
        }
        if (!w.metadata().isEmpty()) {
            m.put("metadata", w.metadata());
        }
        if (w.lastError() != null) {
            m.put("last_error", w.lastError());
        }
        if (!s.health().describe().isEmpty()) {
            m.put("health", s.health().describe());
        }
        m.put("circuit_breaker", Map.of("state", w.breaker().state().wireName(),
                "consecutive_failures", w.breaker().consecutiveFailures(),
                "consecutive_successes", w.breaker().consecutiveSuccesses()));
        return m;
    }

    private static Map<String, Object> jsonBody(ServerRequest req, ServerResponse res) {
        try {
            byte[] bytes = req.content().hasEntity() ? req.content().inputStream().readAllBytes() : new byte[0];
            if (bytes.length == 0) {
                ApiErrors.badRequest(res, "invalid_json", "a JSON object body is required");
                return null;
            }
            Object o = JSON.std.anyFrom(bytes);
            if (!(o instanceof Map<?, ?> m)) {
                ApiErrors.badRequest(res, "invalid_json", "the body must be a JSON object");
                return null;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) m;
            return map;
        } catch (IOException | RuntimeException e) {
            ApiErrors.badRequest(res, "invalid_json", "the body is not valid JSON");
            return null;
        }
    }

    static WorkerSpec spec(Map<String, Object> b, String fixedUrl) {
        for (String k : b.keySet()) {
            if (!SPEC_FIELDS.contains(k)) {
                throw new IllegalArgumentException("unknown field '" + k + "'");
            }
        }
        String url = optString(b, "url");
        if (fixedUrl != null) {
            if (url != null && !WorkerUrls.normalize(url).equals(fixedUrl)) {
                throw new IllegalArgumentException("the url of a worker cannot be changed");
            }
            url = fixedUrl;
        }
        if (url == null) {
            throw new IllegalArgumentException("'url' is required");
        }
        WorkerUrls.validate(url).ifPresent(m -> { throw new IllegalArgumentException(m); });
        String mode = optString(b, "connection_mode");
        if (mode != null && !mode.equals("http")) {
            throw new IllegalArgumentException("connection_mode '" + mode + "' is not supported yet (http only)");
        }
        List<String> models = new ArrayList<>();
        Object ms = b.get("models");
        if (ms instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException("'models' must be a list of strings");
                }
                models.add(s);
            }
        } else if (ms instanceof String s) {
            models.add(s);
        } else if (ms != null) {
            throw new IllegalArgumentException("'models' must be a list of strings");
        }
        String modelId = optString(b, "model_id");
        if (modelId != null && !models.contains(modelId)) {
            models.add(modelId);
        }
        String type = b.containsKey("worker_type") ? optString(b, "worker_type") : "regular";
        if (!WORKER_TYPES.contains(type)) {
            throw new IllegalArgumentException("worker_type must be one of " + WORKER_TYPES);
        }
        if (!type.equals("regular")) {
            throw new IllegalArgumentException("worker_type '" + type
                    + "' needs prefill/decode disaggregation, which Drover does not implement yet");
        }
        String runtime = b.containsKey("runtime_type") ? optString(b, "runtime_type")
                : b.containsKey("runtime") ? optString(b, "runtime") : "unspecified";
        if (!RUNTIMES.contains(runtime)) {
            throw new IllegalArgumentException("runtime_type must be one of " + RUNTIMES);
        }
        return new WorkerSpec(WorkerUrls.normalize(url), models, optString(b, "api_key"), labels(b.get("labels")),
                b.containsKey("priority") ? intField(b, "priority") : 50,
                b.containsKey("cost") ? doubleField(b, "cost") : 1.0, type, runtime,
                HealthOverrides.fromJson(b.get("health")));
    }

    private static String optString(Map<String, Object> b, String k) {
        Object v = b.get(k);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("'" + k + "' must be a string");
        }
        return s;
    }

    private static int intField(Map<String, Object> b, String k) {
        if (b.get(k) instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.intValue();
        }
        throw new IllegalArgumentException("'" + k + "' must be an integer");
    }

    private static double doubleField(Map<String, Object> b, String k) {
        if (b.get(k) instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("'" + k + "' must be a number");
    }

    private static Map<String, String> labels(Object v) {
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("'labels' must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, val) -> out.put(String.valueOf(k), String.valueOf(val)));
        return out;
    }
}
