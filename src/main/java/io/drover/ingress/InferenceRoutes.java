package io.drover.ingress;

import io.drover.config.GatewayConfig;
import io.drover.egress.ApiErrors;
import io.drover.egress.ResponseRelay;
import io.drover.egress.UpstreamResponse;
import io.drover.observability.Metrics;
import io.drover.routing.RouteRequest;
import io.drover.routing.RoutingEngine;
import io.drover.workers.Worker;
import io.drover.workers.WorkerClient;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The proxied inference endpoints ({@code /v1/chat/completions}, {@code /generate}, ...). Each
 * request, on its own virtual thread, reads top to bottom: read the body once, extract the routing
 * fields, ask the routing engine for a worker, send the original bytes, relay the answer, release
 * the worker.
 */
public final class InferenceRoutes {
    /** A proxied endpoint: its path, its request-id prefix, and the path sent to the worker. */
    public record Endpoint(String path, String idPrefix) {}

    /** SMG's inference endpoints and the id prefix each generates. */
    public static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("/v1/chat/completions", "chatcmpl-"),
            new Endpoint("/v1/completions", "cmpl-"),
            new Endpoint("/v1/embeddings", "req-"),
            new Endpoint("/v1/rerank", "req-"),
            new Endpoint("/rerank", "req-"),
            new Endpoint("/v1/classify", "req-"),
            new Endpoint("/generate", "gnt-"));

    private static final io.helidon.http.HeaderName X_REQUEST_ID = HeaderNames.create("x-request-id");
    private static final io.helidon.http.HeaderName ROUTING_KEY = HeaderNames.create("x-smg-routing-key");
    private static final io.helidon.http.HeaderName TARGET_WORKER = HeaderNames.create("x-smg-target-worker");
    private static final io.helidon.http.HeaderName FORWARDED_FOR = HeaderNames.create("x-forwarded-for");

    private final GatewayConfig config;
    private final RoutingEngine engine;
    private final WorkerClient client;
    private final ResponseRelay relay;
    private final Metrics metrics;
    private final RequestIds ids;
    private final ServingState state;
    private final Map<String, String> aliases;

    public InferenceRoutes(GatewayConfig config, RoutingEngine engine, WorkerClient client, ResponseRelay relay,
                           Metrics metrics, ServingState state) {
        this.config = config;
        this.engine = engine;
        this.client = client;
        this.relay = relay;
        this.metrics = metrics;
        this.ids = new RequestIds(config.requestIdHeaders());
        this.state = state;
        this.aliases = config.modelAliases();
    }

    /** Handles one proxied POST; counted in flight (for the drain) from its first line to its last. */
    public void handle(Endpoint ep, ServerRequest req, ServerResponse res) {
        state.enter();
        try {
            handleCounted(ep, req, res);
        } finally {
            state.exit();
        }
    }

    private void handleCounted(Endpoint ep, ServerRequest req, ServerResponse res) {
        String requestId = ids.resolve(req, ep.idPrefix());
        res.header(X_REQUEST_ID, requestId);
        if (state.draining()) {
            ApiErrors.send(res, 503, "service_unavailable", "shutting_down", "the gateway is shutting down");
            return;
        }
        byte[] body;
        try {
            body = RequestBodies.read(req, config.maxPayloadSize());
        } catch (RequestBodies.TooLarge e) {
            ApiErrors.send(res, 413, "invalid_request_error", "payload_too_large", e.getMessage());
            return;
        } catch (IOException | RuntimeException e) {
            ApiErrors.badRequest(res, "body_read_failed", "could not read the request body");
            return;
        }
        RequestSummary summary;
        try {
            summary = RequestSummary.parse(body, engine.needsText());
        } catch (RequestSummary.Malformed e) {
            ApiErrors.send(res, 400, "invalid_request_error", "invalid_json", e.getMessage(), e.param());
            return;
        }
        String model = summary.model() == null ? null : aliases.getOrDefault(summary.model(), summary.model());
        var h = req.headers();
        String routingKey = h.first(ROUTING_KEY).orElse(null);
        RouteRequest route = new RouteRequest(model, routingKey, summary.text(), summary.tokens(),
                h.first(TARGET_WORKER).orElse(null), implicitKey(h));
        RouteRequest.Outcome outcome = engine.route(route);
        String modelLabel = model == null ? "default" : model;
        switch (outcome) {
            case ROUTED -> { }
            case NO_SUCH_MODEL -> {
                metrics.routerError("unknown", modelLabel, ep.path(), "model_not_found");
                ApiErrors.send(res, 404, "invalid_request_error", "model_not_found",
                        "The model '" + summary.model() + "' does not exist or no worker serves it");
                return;
            }
            case NO_HEALTHY_WORKER -> {
                metrics.routerError("unknown", modelLabel, ep.path(), "no_available_workers");
                ApiErrors.send(res, 503, "service_unavailable", "no_available_workers",
                        model == null ? "no healthy worker is available"
                                : "no healthy worker is available for model '" + model + "'");
                return;
            }
            case REFUSED -> {
                metrics.routerError("unknown", modelLabel, ep.path(), "no_available_workers");
                ApiErrors.send(res, 503, "service_unavailable", "no_available_workers",
                        "the " + engine.policyName() + " policy found no worker for this request"
                                + (route.targetWorker() != null ? " (x-smg-target-worker '" + route.targetWorker()
                                        + "' is not a Ready worker's index)" : ""));
                return;
            }
            default -> {
                metrics.routerError("unknown", modelLabel, ep.path(), "routing_failed");
                ApiErrors.send(res, 503, "service_unavailable", "routing_unavailable",
                        "the routing engine could not place the request");
                return;
            }
        }
        Worker worker = route.worker();
        try {
            forward(ep, req, res, body, summary, worker, requestId, modelLabel);
        } finally {
            engine.release(worker);
        }
    }

    private void forward(Endpoint ep, ServerRequest req, ServerResponse res, byte[] body, RequestSummary summary,
                         Worker worker, String requestId, String modelLabel) {
        String backend = worker.runtime();
        metrics.selected(worker.spec().workerType(), modelLabel, engine.policyName(), worker.url());
        metrics.routed(backend, modelLabel, ep.path(), summary.stream());
        long start = System.nanoTime();
        long deadline = start + config.requestTimeout().toNanos();
        try {
            UpstreamResponse up;
            try {
                up = client.send(worker, "POST", ep.path() + query(req), body, forwardedHeaders(req, requestId));
            } catch (ConnectException e) {
                metrics.workerError(worker.spec().workerType(), "connect_failed", worker.url());
                metrics.routerError(backend, modelLabel, ep.path(), "upstream_unreachable");
                ApiErrors.send(res, 502, "upstream_error", "upstream_unreachable",
                        "could not connect to worker " + worker.url());
                return;
            } catch (SocketTimeoutException e) {
                metrics.workerError(worker.spec().workerType(), "timeout", worker.url());
                metrics.routerError(backend, modelLabel, ep.path(), "upstream_timeout");
                ApiErrors.send(res, 504, "timeout_error", "upstream_timeout",
                        "worker " + worker.url() + " did not answer within " + config.requestTimeout().toSeconds()
                                + "s");
                return;
            } catch (IOException e) {
                metrics.workerError(worker.spec().workerType(), "request_failed", worker.url());
                metrics.routerError(backend, modelLabel, ep.path(), "upstream_unreachable");
                ApiErrors.send(res, 502, "upstream_error", "upstream_unreachable",
                        "the request to worker " + worker.url() + " failed: " + e.getClass().getSimpleName());
                return;
            }
            metrics.upstreamResponse(up.status(), null);
            ResponseRelay.End end = relay.relay(up, res, deadline,
                    t -> metrics.firstByte(backend, modelLabel, ep.path(), t - start));
            switch (end) {
                case UPSTREAM_BROKEN -> {
                    metrics.workerError(worker.spec().workerType(), "stream_broken", worker.url());
                    metrics.routerError(backend, modelLabel, ep.path(), "stream_broken");
                }
                case TIMED_OUT -> metrics.routerError(backend, modelLabel, ep.path(), "request_timeout");
                case CLIENT_GONE -> metrics.routerError(backend, modelLabel, ep.path(), "client_disconnected");
                default -> { }
            }
        } finally {
            metrics.routedDone(backend, modelLabel, ep.path(), System.nanoTime() - start);
        }
    }

    /** A stickiness key from the caller's identity: authorization, then x-forwarded-for, then cookie. */
    private static String implicitKey(io.helidon.http.ServerRequestHeaders h) {
        var a = h.first(HeaderNames.AUTHORIZATION);
        if (a.isPresent()) {
            return a.get();
        }
        var f = h.first(FORWARDED_FOR);
        if (f.isPresent()) {
            return f.get();
        }
        return h.first(HeaderNames.COOKIE).orElse(null);
    }

    /** The client's allow-listed headers, plus the request id. */
    static List<String[]> forwardedHeaders(ServerRequest req, String requestId) {
        List<String[]> out = new ArrayList<>(4);
        boolean hasId = false;
        for (var h : req.headers()) {
            String name = h.headerName().lowerCase();
            if (WorkerClient.forwards(name)) {
                for (String v : h.allValues()) {
                    out.add(new String[] {name, v});
                }
                hasId |= name.equals("x-request-id");
            }
        }
        if (!hasId) {
            out.add(new String[] {"x-request-id", requestId});
        }
        return out;
    }

    private static String query(ServerRequest req) {
        String q = req.query().rawValue();
        return q == null || q.isEmpty() ? "" : "?" + q;
    }

    /** The endpoint for {@code path}, or null. */
    public static Endpoint endpoint(String path) {
        for (Endpoint e : ENDPOINTS) {
            if (e.path().equals(path.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        return null;
    }
}
