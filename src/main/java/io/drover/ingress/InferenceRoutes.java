package io.drover.ingress;

import io.drover.config.GatewayConfig;
import io.drover.config.ResilienceSettings;
import io.drover.egress.ApiErrors;
import io.drover.egress.Deadlines;
import io.drover.egress.ResponseRelay;
import io.drover.egress.UpstreamResponse;
import io.drover.observability.Metrics;
import io.drover.observability.ResilienceMetrics;
import io.drover.routing.RouteRequest;
import io.drover.routing.RoutingEngine;
import io.drover.workers.CircuitBreaker;
import io.drover.workers.Worker;
import io.drover.workers.WorkerClient;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;

/**
 * The proxied inference endpoints ({@code /v1/chat/completions}, {@code /generate}, ...). Each
 * request, on its own virtual thread, reads top to bottom: read the body once, extract the routing
 * fields, ask the routing engine for a worker, send the original bytes, relay the answer, release
 * the worker — and, while the failure is retryable (connection refused, timeout, 408/429/5xx, a
 * body that broke off or is not JSON) and nothing has reached the client yet, do it again on
 * another worker after a back-off. Each attempt goes through the routing ring, whose answer
 * skips workers with an open circuit breaker and those this request already failed on; the end of
 * every attempt tells the worker's breaker how it went.
 *
 * <p>Threading: {@link #handle} runs on the request's virtual thread and blocks there (routing,
 * upstream I/O, back-off sleeps); no locks are held. Instances are shared and stateless.
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
    private final ResilienceMetrics resilienceMetrics;
    private static final Worker[] NO_WORKERS = new Worker[0];

    public InferenceRoutes(GatewayConfig config, RoutingEngine engine, WorkerClient client, ResponseRelay relay,
                           Metrics metrics, ResilienceMetrics resilienceMetrics, ServingState state) {
        this.config = config;
        this.engine = engine;
        this.client = client;
        this.relay = relay;
        this.metrics = metrics;
        this.ids = new RequestIds(config.requestIdHeaders());
        this.state = state;
        this.aliases = config.modelAliases();
        this.resilienceMetrics = resilienceMetrics;
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
        String modelLabel = model == null ? "default" : model;
        Call call = new Call(ep, req, res, body, summary, model, routingKey, h.first(TARGET_WORKER).orElse(null),
                implicitKey(h), modelLabel, forwardedHeaders(req, requestId), ep.path() + query(req));
        dispatch(call);
    }

    /** What every attempt of one request shares. */
    private record Call(Endpoint ep, ServerRequest req, ServerResponse res, byte[] body, RequestSummary summary,
                        String model, String routingKey, String targetWorker, String implicitKey, String modelLabel,
                        List<String[]> headers, String pathAndQuery) {}

    /**
     * How one attempt ended: {@code done} (the client has its answer), or a retryable failure
     * with the error the client gets if no attempt follows.
     */
    private record Result(boolean done, CircuitBreaker.Outcome breaker, int status, String type, String code,
                          String message) {
        static final Result SUCCESS = new Result(true, CircuitBreaker.Outcome.SUCCESS, 0, null, null, null);
        static final Result FAILURE = new Result(true, CircuitBreaker.Outcome.FAILURE, 0, null, null, null);
        static final Result NEUTRAL = new Result(true, CircuitBreaker.Outcome.NEUTRAL, 0, null, null, null);

        static Result retry(CircuitBreaker.Outcome o, int status, String type, String code, String message) {
            return new Result(false, o, status, type, code, message);
        }

        static Result done(CircuitBreaker.Outcome o) {
            return switch (o) {
                case SUCCESS -> SUCCESS;
                case FAILURE -> FAILURE;
                case NEUTRAL -> NEUTRAL;
            };
        }

        void send(ServerResponse res) {
            ApiErrors.send(res, status, type, code, message);
        }
    }

    /**
     * Routes and forwards, retrying on another worker (with back-off) while the failure is
     * retryable, nothing has reached the client, attempts remain and the deadline has not passed.
     */
    private void dispatch(Call c) {
        ResilienceSettings.Retry retry = config.resilience().retry();
        int attempts = retry.attempts();
        long start = System.nanoTime();
        long deadline = start + config.requestTimeout().toNanos();
        Worker[] failed = NO_WORKERS;
        Result last = null;
        for (int attempt = 1; ; attempt++) {
            RouteRequest route = new RouteRequest(c.model(), c.routingKey(), c.summary().text(), c.summary().tokens(),
                    c.targetWorker(), c.implicitKey());
            if (failed.length > 0) {
                route.avoid(failed);
            }
            RouteRequest.Outcome outcome = engine.route(route);
            if (outcome != RouteRequest.Outcome.ROUTED) {
                if (last != null) {
                    last.send(c.res()); // no worker left to retry on: the last failure stands
                } else {
                    routingError(c, route, outcome);
                }
                return;
            }
            Worker worker = route.worker();
            boolean lastAttempt = attempt >= attempts;
            Result r = Result.NEUTRAL;
            try {
                r = attempt(c, worker, attempt, deadline, lastAttempt);
            } finally {
                engine.release(worker, r.breaker());
                if (r.breaker() != CircuitBreaker.Outcome.NEUTRAL) {
                    resilienceMetrics.outcome(worker.url(), r.breaker() == CircuitBreaker.Outcome.SUCCESS
                            ? "success" : "failure");
                }
            }
            if (r.done()) {
                return;
            }
            last = r;
            long now = System.nanoTime();
            if (lastAttempt || now - deadline >= 0) {
                resilienceMetrics.exhausted(worker.url());
                r.send(c.res());
                return;
            }
            long pause = Math.min(retry.backoffNanos(attempt, ThreadLocalRandom.current().nextDouble()),
                    deadline - now);
            resilienceMetrics.retry(worker.url(), attempt, pause);
            failed = Arrays.copyOf(failed, failed.length + 1);
            failed[failed.length - 1] = worker;
            try {
                Thread.sleep(Duration.ofNanos(pause));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ApiErrors.send(c.res(), 503, "service_unavailable", "interrupted", "the gateway is shutting down");
                return;
            }
        }
    }

    private void routingError(Call c, RouteRequest route, RouteRequest.Outcome outcome) {
        String path = c.ep().path();
        String modelLabel = c.modelLabel();
        String model = c.model();
        switch (outcome) {
            case NO_SUCH_MODEL -> {
                metrics.routerError("unknown", modelLabel, path, "model_not_found");
                ApiErrors.send(c.res(), 404, "invalid_request_error", "model_not_found",
                        "The model '" + c.summary().model() + "' does not exist or no worker serves it");
            }
            case NO_HEALTHY_WORKER -> {
                metrics.routerError("unknown", modelLabel, path, "no_available_workers");
                ApiErrors.send(c.res(), 503, "service_unavailable", "no_available_workers",
                        model == null ? "no healthy worker is available"
                                : "no healthy worker is available for model '" + model + "'");
            }
            case REFUSED -> {
                metrics.routerError("unknown", modelLabel, path, "no_available_workers");
                ApiErrors.send(c.res(), 503, "service_unavailable", "no_available_workers",
                        "the " + engine.policyName() + " policy found no worker for this request"
                                + (route.targetWorker() != null ? " (x-smg-target-worker '" + route.targetWorker()
                                        + "' is not a Ready worker's index)" : ""));
            }
            case ALL_CIRCUITS_OPEN -> {
                metrics.routerError("unknown", modelLabel, path, "circuit_open");
                ApiErrors.send(c.res(), 503, "service_unavailable", "all_circuits_open",
                        "the circuit breaker of every worker" + (model == null ? "" : " serving '" + model + "'")
                                + " is open after repeated failures; retry later");
            }
            default -> {
                metrics.routerError("unknown", modelLabel, path, "routing_failed");
                ApiErrors.send(c.res(), 503, "service_unavailable", "routing_unavailable",
                        "the routing engine could not place the request");
            }
        }
    }

    /** One attempt on {@code worker}. */
    private Result attempt(Call c, Worker worker, int attempt, long deadline, boolean lastAttempt) {
        String backend = worker.runtime();
        String path = c.ep().path();
        String modelLabel = c.modelLabel();
        String type = worker.spec().workerType();
        metrics.selected(type, modelLabel, engine.policyName(), worker.url());
        if (attempt == 1) {
            metrics.routed(backend, modelLabel, path, c.summary().stream());
        }
        long sent = System.nanoTime();
        long firstByte = config.resilience().firstByteTimeout().toNanos();
        long headWait = deadline - sent;
        if (firstByte > 0 && firstByte < headWait) {
            headWait = firstByte;
        }
        Deadlines limits = new Deadlines(deadline, firstByte > 0 ? sent + firstByte : 0,
                config.resilience().streamIdleTimeout().toNanos());
        try {
            UpstreamResponse up;
            try {
                byte[] body = worker.dpRank() >= 0 ? withDpRank(c.body(), worker.dpRank()) : c.body();
                up = client.send(worker, "POST", c.pathAndQuery(), body, c.headers(),
                        Duration.ofNanos(Math.max(1_000_000L, headWait)));
            } catch (ConnectException e) {
                metrics.workerError(type, "connect_failed", worker.url());
                metrics.routerError(backend, modelLabel, path, "upstream_unreachable");
                return Result.retry(CircuitBreaker.Outcome.FAILURE, 502, "upstream_error", "upstream_unreachable",
                        "could not connect to worker " + worker.url());
            } catch (SocketTimeoutException e) {
                metrics.workerError(type, "timeout", worker.url());
                metrics.routerError(backend, modelLabel, path, "upstream_timeout");
                Result r = Result.retry(CircuitBreaker.Outcome.FAILURE, 504, "timeout_error", "upstream_timeout",
                        "worker " + worker.url() + " did not answer within "
                                + Duration.ofNanos(headWait).toMillis() + " ms");
                if (System.nanoTime() - deadline >= 0) {
                    r.send(c.res()); // the whole request is out of time: no retry
                    return Result.FAILURE;
                }
                return r;
            } catch (IOException e) {
                metrics.workerError(type, "request_failed", worker.url());
                metrics.routerError(backend, modelLabel, path, "upstream_unreachable");
                return Result.retry(CircuitBreaker.Outcome.FAILURE, 502, "upstream_error", "upstream_unreachable",
                        "the request to worker " + worker.url() + " failed: " + e.getClass().getSimpleName());
            }
            int status = up.status();
            metrics.upstreamResponse(status, null);
            CircuitBreaker.Outcome verdict = verdict(status);
            if (lastAttempt && attempt > 1 && retryable(status)) {
                resilienceMetrics.exhausted(worker.url()); // the last answer is relayed as it is
            }
            if (!lastAttempt && retryable(status)) {
                up.close();
                metrics.workerError(type, "status_" + status, worker.url());
                return Result.retry(verdict, status == 429 || status == 503 || status == 504 ? status : 502,
                        status == 429 ? "rate_limit_error" : "upstream_error", "upstream_status_" + status,
                        "worker " + worker.url() + " answered HTTP " + status);
            }
            LongConsumer onFirstByte = t -> metrics.firstByte(backend, modelLabel, path, t - sent);
            if (ResponseRelay.isEventStream(up)) {
                ResponseRelay.End end = relay.stream(up, c.res(), limits, onFirstByte);
                return switch (end) {
                    case COMPLETE -> Result.done(verdict);
                    case UPSTREAM_BROKEN -> {
                        metrics.workerError(type, "stream_broken", worker.url());
                        metrics.routerError(backend, modelLabel, path, "stream_broken");
                        yield Result.FAILURE;
                    }
                    case TIMED_OUT -> {
                        metrics.workerError(type, "timeout", worker.url());
                        metrics.routerError(backend, modelLabel, path, "request_timeout");
                        yield Result.FAILURE;
                    }
                    case CLIENT_GONE -> {
                        metrics.routerError(backend, modelLabel, path, "client_disconnected");
                        yield Result.NEUTRAL;
                    }
                };
            }
            ResponseRelay.Body b = relay.read(up, limits);
            ResponseRelay.Problem p = b.problem();
            if (p != ResponseRelay.Problem.NONE) {
                String why = switch (p) {
                    case DEADLINE -> "request_timeout";
                    case STALLED -> "upstream_timeout";
                    case NOT_JSON -> "upstream_invalid_response";
                    default -> "upstream_broken";
                };
                metrics.workerError(type, why, worker.url());
                metrics.routerError(backend, modelLabel, path, why);
                if (lastAttempt || p == ResponseRelay.Problem.DEADLINE) {
                    if (attempt > 1) {
                        resilienceMetrics.exhausted(worker.url());
                    }
                    ResponseRelay.sendProblem(c.res(), p);
                    return Result.FAILURE;
                }
                return Result.retry(CircuitBreaker.Outcome.FAILURE, p == ResponseRelay.Problem.STALLED ? 504 : 502,
                        p == ResponseRelay.Problem.STALLED ? "timeout_error" : "upstream_error", why,
                        "worker " + worker.url() + ": " + why.replace('_', ' '));
            }
            ResponseRelay.End end = relay.send(up, b, c.res(), onFirstByte);
            if (end == ResponseRelay.End.CLIENT_GONE) {
                metrics.routerError(backend, modelLabel, path, "client_disconnected");
            }
            return Result.done(verdict);
        } finally {
            metrics.routedDone(backend, modelLabel, path, System.nanoTime() - sent);
        }
    }

    /** SMG's retryable statuses: 408, 429, 500, 502, 503, 504. */
    static boolean retryable(int status) {
        return switch (status) {
            case 408, 429, 500, 502, 503, 504 -> true;
            default -> false;
        };
    }

    /**
     * What a worker's status tells its breaker: 429 and 503 are backpressure and other 4xx are the
     * client's doing (neutral); 408 and 5xx are failures; the rest success.
     */
    static CircuitBreaker.Outcome verdict(int status) {
        if (status == 429 || status == 503) {
            return CircuitBreaker.Outcome.NEUTRAL;
        }
        if (status == 408 || status >= 500) {
            return CircuitBreaker.Outcome.FAILURE;
        }
        return status >= 400 ? CircuitBreaker.Outcome.NEUTRAL : CircuitBreaker.Outcome.SUCCESS;
    }

    /**
     * The body with {@code "data_parallel_rank": rank} as its first field ({@code --dp-aware}): the
     * rank worker's engine then schedules it on that rank. A rank the client set itself comes later
     * in the object and wins, as JSON's last-duplicate rule goes in the engines' parsers.
     */
    static byte[] withDpRank(byte[] body, int rank) {
        int open = 0;
        while (open < body.length && body[open] != '{') {
            open++;
        }
        int next = open + 1;
        while (next < body.length && Character.isWhitespace(body[next])) {
            next++;
        }
        boolean empty = next < body.length && body[next] == '}';
        byte[] field = ("\"data_parallel_rank\":" + rank + (empty ? "" : ",")).getBytes(
                java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = new byte[body.length + field.length];
        System.arraycopy(body, 0, out, 0, open + 1);
        System.arraycopy(field, 0, out, open + 1, field.length);
        System.arraycopy(body, open + 1, out, open + 1 + field.length, body.length - open - 1);
        return out;
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
