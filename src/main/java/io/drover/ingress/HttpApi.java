package io.drover.ingress;

import io.drover.egress.ApiErrors;
import io.drover.observability.Metrics;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The data-plane routes, as SMG serves them, wired into one Helidon {@link HttpRouting}: inference
 * (proxied), models and worker info, health, worker management. A filter counts every request for
 * the {@code smg_http_*} metrics and applies CORS; anything unmatched gets a JSON 404, or 405 with
 * {@code Allow} when the path exists under another method. Built once on the main thread.
 */
public final class HttpApi {
    private static final io.helidon.http.HeaderName X_REQUEST_ID = HeaderNames.create("x-request-id");
    private final Map<String, Set<String>> methodsByPath = new LinkedHashMap<>();

    private final InferenceRoutes inference;
    private final InfoRoutes info;
    private final HealthRoutes health;
    private final WorkerRoutes workers;
    private final Metrics metrics;
    private final List<String> corsOrigins;
    private final RequestIds ids;

    public HttpApi(InferenceRoutes inference, InfoRoutes info, HealthRoutes health, WorkerRoutes workers,
                   Metrics metrics, List<String> corsOrigins, RequestIds ids) {
        this.ids = ids;
        this.inference = inference;
        this.info = info;
        this.health = health;
        this.workers = workers;
        this.metrics = metrics;
        this.corsOrigins = corsOrigins;
    }

    /** Adds every route to {@code b}. */
    public void register(HttpRouting.Builder b) {
        b.addFilter((chain, req, res) -> {
            long t0 = System.nanoTime();
            metrics.httpStarted();
            String path = req.path().path();
            try {
                if (!corsOrigins.isEmpty() && cors(req, res)) {
                    return;
                }
                if (InferenceRoutes.endpoint(path) == null) {
                    res.header(X_REQUEST_ID, ids.resolve(req, "req-")); // inference routes set their own
                }
                chain.proceed();
            } finally {
                String code = res.headers().first(HeaderNames.create("X-SMG-Error-Code")).orElse(null);
                metrics.httpEnded(req.prologue().method().text(), pathLabel(path), res.status().code(), code,
                        System.nanoTime() - t0);
            }
        });
        for (InferenceRoutes.Endpoint ep : InferenceRoutes.ENDPOINTS) {
            route(b, Method.POST, ep.path(), (req, res) -> inference.handle(ep, req, res));
        }
        route(b, Method.GET, "/v1/models", info::models);
        route(b, Method.GET, "/get_model_info", (req, res) -> info.fromOneWorker("/get_model_info", req, res));
        route(b, Method.GET, "/get_server_info", (req, res) -> info.fromOneWorker("/get_server_info", req, res));
        route(b, Method.GET, "/health_generate", (req, res) -> info.fromOneWorker("/health_generate", req, res));
        route(b, Method.GET, "/get_loads", info::loads);
        route(b, Method.POST, "/flush_cache", info::flushCache);
        route(b, Method.GET, "/health", health::live);
        route(b, Method.GET, "/liveness", health::live);
        route(b, Method.GET, "/readiness", health::readiness);
        route(b, Method.POST, "/workers", workers::create);
        route(b, Method.GET, "/workers", workers::list);
        route(b, Method.GET, "/workers/{+id}", workers::get);
        route(b, Method.PUT, "/workers/{+id}", workers::replace);
        route(b, Method.PATCH, "/workers/{+id}", workers::patch);
        route(b, Method.DELETE, "/workers/{+id}", workers::delete);
        route(b, Method.POST, "/add_worker", workers::addWorkerAlias);
        route(b, Method.POST, "/remove_worker", workers::removeWorkerAlias);
        route(b, Method.GET, "/list_workers", workers::listWorkersAlias);
        b.any(this::unmatched);
    }

    private void route(HttpRouting.Builder b, Method m, String path, io.helidon.webserver.http.Handler h) {
        b.route(m, path, (req, res) -> {
            try {
                h.handle(req, res);
            } catch (RuntimeException e) {
                java.util.logging.Logger.getLogger(HttpApi.class.getName())
                        .log(java.util.logging.Level.WARNING, "handler failed for " + path, e);
                ApiErrors.send(res, 500, "internal_error", "internal_error",
                        "the gateway failed to handle the request");
            }
        });
        methodsByPath.computeIfAbsent(path.replace("{+id}", "*"), k -> new LinkedHashSet<>()).add(m.text());
    }

    private void unmatched(ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        Set<String> allowed = methodsFor(path);
        if (allowed != null) {
            res.header("Allow", String.join(", ", allowed));
            ApiErrors.send(res, 405, "invalid_request_error", "method_not_allowed",
                    "method " + req.prologue().method().text() + " is not allowed on " + path
                            + "; allowed: " + String.join(", ", allowed));
        } else {
            ApiErrors.send(res, 404, "invalid_request_error", "not_found", "no route for " + path);
        }
    }

    private Set<String> methodsFor(String path) {
        Set<String> exact = methodsByPath.get(path);
        if (exact != null) {
            return exact;
        }
        if (path.startsWith("/workers/") && path.length() > "/workers/".length()) {
            return methodsByPath.get("/workers/*");
        }
        return null;
    }

    /** A bounded label for metrics: the route's pattern, or "other". */
    private String pathLabel(String path) {
        if (methodsByPath.containsKey(path)) {
            return path;
        }
        if (path.startsWith("/workers/")) {
            return "/workers/{id}";
        }
        return "other";
    }

    /** Applies CORS; returns true when the request was a preflight that has been answered. */
    private boolean cors(ServerRequest req, ServerResponse res) {
        var origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isEmpty()) {
            return false;
        }
        boolean allowed = corsOrigins.contains("*") || corsOrigins.contains(origin.get());
        if (!allowed) {
            return false;
        }
        res.header("Access-Control-Allow-Origin", corsOrigins.contains("*") ? "*" : origin.get());
        res.header("Vary", "Origin");
        res.header("Access-Control-Expose-Headers", "x-request-id, X-SMG-Error-Code");
        if (req.prologue().method() == Method.OPTIONS
                && req.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            res.header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
            res.header("Access-Control-Allow-Headers", req.headers()
                    .first(HeaderNames.ACCESS_CONTROL_REQUEST_HEADERS).orElse("authorization, content-type"));
            res.header("Access-Control-Max-Age", "600");
            res.status(204).send();
            return true;
        }
        return false;
    }
}
