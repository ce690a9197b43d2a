package io.drover.mock;

import io.helidon.http.Header;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP surface of one {@link MockWorker}: dispatches on the path, applies the worker's fault to
 * inference routes, and answers the informational, load, metrics and /mock/* admin routes.
 * One instance per listener; called by Helidon on a virtual thread per request.
 */
final class WorkerHandler implements Handler {
    static final String JSON_TYPE = "application/json";
    private static final int MAX_RUNNING = 256;
    private static final int MAX_TOTAL_TOKENS = 131_072;
    private static final int CONTEXT_LENGTH = 32_768;
    private static final String SGLANG_VERSION = "0.5.0-mock";
    private static final String VLLM_VERSION = "0.11.0-mock";
    private static final byte[] GARBAGE = "<html>mock garbage: this is not JSON {{{".getBytes(StandardCharsets.UTF_8);

    private enum Route { CHAT, COMPLETION, GENERATE, EMBEDDINGS, RERANK, CLASSIFY }

    private final MockWorker worker;
    private final MockWorkerOptions options;
    private final long startedAt = System.currentTimeMillis() / 1000;

    WorkerHandler(MockWorker worker, MockWorkerOptions options) {
        this.worker = worker;
        this.options = options;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        res.header("x-mock-worker", Integer.toString(worker.port()));
        String path = req.path().path();
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        boolean post = "POST".equals(req.prologue().method().text());
        switch (path) {
            case "/v1/chat/completions" -> inference(req, res, post, Route.CHAT);
            case "/v1/completions" -> inference(req, res, post, Route.COMPLETION);
            case "/generate" -> inference(req, res, post, Route.GENERATE);
            case "/v1/embeddings" -> inference(req, res, post, Route.EMBEDDINGS);
            case "/v1/rerank", "/rerank" -> inference(req, res, post, Route.RERANK);
            case "/v1/classify", "/classify" -> inference(req, res, post, Route.CLASSIFY);
            case "/health", "/health_generate" -> {
                res.status(worker.fault().kind() == Fault.Kind.UNHEALTHY ? 503 : 200);
                res.send();
            }
            case "/v1/models" -> json(res, 200, models());
            case "/get_model_info", "/model_info" -> json(res, 200, modelInfo());
            case "/get_server_info", "/server_info" -> json(res, 200, serverInfo());
            case "/version" -> {
                if (options.isVllm()) json(res, 200, Json.write(Map.of("version", VLLM_VERSION)));
                else notFound(res, path);
            }
            case "/get_loads", "/v1/loads" -> json(res, 200, loads());
            case "/get_load" -> {
                Load l = load();
                json(res, 200, "[{\"dp_rank\":0,\"num_reqs\":" + (l.running + l.waiting)
                        + ",\"num_waiting_reqs\":" + l.waiting + ",\"num_tokens\":" + l.used + "}]");
            }
            case "/metrics" -> {
                res.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                res.send(metrics().getBytes(StandardCharsets.UTF_8));
            }
            case "/flush_cache" -> {
                if (worker.engine() != null) worker.engine().flush();
                res.header("Content-Type", "text/plain; charset=utf-8");
                res.send("Cache flushed.\n".getBytes(StandardCharsets.UTF_8));
            }
            case "/mock/stats" -> json(res, 200, stats());
            case "/mock/fault" -> {
                if (post) setFault(req, res);
                else methodNotAllowed(res);
            }
            case "/mock/reset" -> {
                worker.reset();
                json(res, 200, stats());
            }
            default -> notFound(res, path);
        }
    }

    private void inference(ServerRequest req, ServerResponse res, boolean post, Route route) {
        if (!post) {
            methodNotAllowed(res);
            return;
        }
        byte[] body = readBody(req);
        worker.received(headers(req), body);
        worker.begin();
        try {
            Fault fault = worker.fault();
            if (fault.kind() == Fault.Kind.HANG) {
                if (!worker.awaitNotHanging()) throw new CloseConnectionException("mock fleet closed");
                fault = worker.fault();
            }
            switch (fault.kind()) {
                case STATUS -> {
                    plain(res, fault.status(), JSON_TYPE, Json.error(fault.status(), "mock fault: status " + fault.status())
                            .getBytes(StandardCharsets.UTF_8));
                    return;
                }
                case GARBAGE -> {
                    plain(res, 200, JSON_TYPE, GARBAGE);
                    return;
                }
                default -> { }
            }
            Map<String, Object> json;
            try {
                json = Json.parseObject(body);
            } catch (Json.BadRequest e) {
                plain(res, 400, JSON_TYPE, Json.error(400, e.getMessage()).getBytes(StandardCharsets.UTF_8));
                return;
            }
            Inference.Call call = new Inference.Call(worker, options, res, json,
                    fault.kind() == Fault.Kind.SLOW ? fault.ms() : 0, fault.kind() == Fault.Kind.TRUNCATE);
            switch (route) {
                case CHAT -> Inference.chat(call);
                case COMPLETION -> Inference.completion(call);
                case GENERATE -> Inference.generate(call);
                case EMBEDDINGS -> Extras.embeddings(call);
                case RERANK -> Extras.rerank(call);
                case CLASSIFY -> Extras.classify(call);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloseConnectionException("interrupted", e);
        } finally {
            worker.end();
        }
    }

    /** Sends a successful inference answer; under TRUNCATE only half of it, then drops the connection. */
    static void send(Inference.Call c, int status, String type, byte[] body) {
        if (!c.truncate()) {
            plain(c.res(), c.worker(), status, type, body);
            return;
        }
        ServerResponse res = c.res();
        res.status(status);
        res.header("Content-Type", type);
        res.header("Content-Length", Integer.toString(body.length));
        try {
            OutputStream out = res.outputStream();
            out.write(body, 0, body.length / 2);
            out.flush();
        } catch (IOException | RuntimeException e) {
            c.worker().cancelled();
            throw new CloseConnectionException("client gone", e);
        }
        throw Inference.truncated();
    }

    /** Sends a JSON answer that no fault alters (validation errors). */
    static void sendJson(Inference.Call c, int status, String json) {
        plain(c.res(), c.worker(), status, JSON_TYPE, json.getBytes(StandardCharsets.UTF_8));
    }

    private void plain(ServerResponse res, int status, String type, byte[] body) {
        plain(res, worker, status, type, body);
    }

    private static void plain(ServerResponse res, MockWorker worker, int status, String type, byte[] body) {
        res.status(status);
        res.header("Content-Type", type);
        try {
            res.send(body);
        } catch (RuntimeException e) {
            if (e instanceof CloseConnectionException) throw e;
            worker.cancelled();
            throw new CloseConnectionException("client gone", e);
        }
    }

    private static void json(ServerResponse res, int status, String json) {
        res.status(status);
        res.header("Content-Type", JSON_TYPE);
        res.send(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void notFound(ServerResponse res, String path) {
        json(res, 404, Json.error(404, "Not Found: " + path));
    }

    private static void methodNotAllowed(ServerResponse res) {
        json(res, 405, Json.error(405, "Method Not Allowed"));
    }

    private static byte[] readBody(ServerRequest req) {
        if (!req.content().hasEntity()) return new byte[0];
        try {
            return req.content().inputStream().readAllBytes();
        } catch (IOException e) {
            throw new CloseConnectionException("request body read failed", e);
        }
    }

    private static Map<String, List<String>> headers(ServerRequest req) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (Header h : req.headers()) {
            map.merge(h.headerName().lowerCase(), List.copyOf(h.allValues()), (a, b) -> {
                List<String> all = new java.util.ArrayList<>(a);
                all.addAll(b);
                return List.copyOf(all);
            });
        }
        return java.util.Collections.unmodifiableMap(map);
    }

    private void setFault(ServerRequest req, ServerResponse res) {
        try {
            Map<String, Object> json = Json.parseObject(readBody(req));
            if (json.containsKey("fault")) worker.setFault(Fault.fromJson(json));
            if (json.get("gen_ms") instanceof Number n) worker.setGenMs(n.longValue());
            if (json.get("token_delay_ms") instanceof Number n) worker.setTokenDelayMs(n.longValue());
            if (json.get("output_tokens") instanceof Number n) worker.setOutputTokens(n.intValue());
            json(res, 200, stats());
        } catch (Json.BadRequest | IllegalArgumentException e) {
            json(res, 400, Json.error(400, e.getMessage()));
        }
    }

    private String stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", worker.index());
        m.put("port", worker.port());
        m.put("requests", worker.requestCount());
        m.put("active", worker.activeRequests());
        m.put("cancelled", worker.cancelledRequests());
        m.put("fault", worker.fault().toString());
        m.put("gen_ms", worker.genMs());
        m.put("token_delay_ms", worker.tokenDelayMs());
        m.put("output_tokens", worker.outputTokens());
        if (worker.engine() != null) {
            Engine.Stats st = worker.engine().stats();
            m.put("engine", "realistic");
            m.put("running", st.running());
            m.put("waiting", st.waiting());
            m.put("used_tokens", st.usedTokens());
            m.put("cached_blocks", st.cachedBlocks());
            m.put("prompt_tokens", st.promptTokens());
            m.put("cached_tokens", st.cachedTokens());
            m.put("generated_tokens", st.generatedTokens());
            m.put("cache_hit_rate", st.cacheHitRate());
            m.put("steps", st.steps());
        }
        return Json.write(m);
    }

    private String models() {
        StringBuilder sb = new StringBuilder(160).append("{\"object\":\"list\",\"data\":[{\"id\":");
        Json.str(sb, options.model()).append(",\"object\":\"model\",\"created\":").append(startedAt)
                .append(",\"owned_by\":\"").append(options.backend()).append("\",\"root\":");
        Json.str(sb, options.model()).append(",\"max_model_len\":").append(CONTEXT_LENGTH).append("}]}");
        return sb.toString();
    }

    private String modelInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_path", options.model());
        m.put("tokenizer_path", options.model());
        m.put("is_generation", true);
        m.put("model_type", "mock");
        m.put("architectures", List.of("MockForCausalLM"));
        return Json.write(m);
    }

    private String serverInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_path", options.model());
        m.put("tokenizer_path", options.model());
        m.put("served_model_name", options.model());
        m.put("host", options.host());
        m.put("port", worker.port());
        m.put("tp_size", 1);
        m.put("dp_size", 1);
        m.put("pp_size", 1);
        m.put("max_running_requests", worker.engine() != null ? options.maxRunning() : MAX_RUNNING);
        m.put("max_total_num_tokens", worker.engine() != null ? options.kvTokens() : MAX_TOTAL_TOKENS);
        m.put("context_length", CONTEXT_LENGTH);
        m.put("is_embedding", false);
        m.put("version", options.isVllm() ? VLLM_VERSION : SGLANG_VERSION);
        return Json.write(m);
    }

    /** Live load figures: from the realistic engine, else from the canned request counters. */
    private record Load(long running, long waiting, long used, long capacity, int maxRunning, double usage, double hitRate,
                        long promptTokens, long cachedTokens, long waitingTokens, double genThroughput) {}

    private Load load() {
        Engine e = worker.engine();
        if (e != null) {
            Engine.Stats s = e.stats();
            return new Load(s.running(), s.waiting(), Math.min(s.usedTokens(), s.capacityTokens()), s.capacityTokens(),
                    options.maxRunning(), s.tokenUsage(), s.cacheHitRate(), s.promptTokens(), s.cachedTokens(),
                    s.waitingUncachedTokens(), s.genThroughput());
        }
        long used = Math.min(worker.activeTokens(), MAX_TOTAL_TOKENS);
        return new Load(worker.activeRequests(), 0, used, MAX_TOTAL_TOKENS, MAX_RUNNING, (double) used / MAX_TOTAL_TOKENS,
                0.0, worker.promptTokensTotal(), 0, 0, 0.0);
    }

    private String loads() {
        Load l = load();
        long running = l.running();
        double usage = l.usage();
        Map<String, Object> load = new LinkedHashMap<>();
        load.put("dp_rank", 0);
        load.put("num_running_reqs", running);
        load.put("num_waiting_reqs", l.waiting());
        load.put("num_reqs", running + l.waiting());
        load.put("num_used_tokens", l.used());
        load.put("max_total_num_tokens", l.capacity());
        load.put("token_usage", usage);
        load.put("max_running_requests", l.maxRunning());
        load.put("gen_throughput", l.genThroughput());
        if (worker.engine() != null) load.put("num_waiting_uncached_tokens", l.waitingTokens());
        load.put("cache_hit_rate", l.hitRate());
        load.put("utilization", (double) running / l.maxRunning());
        Map<String, Object> aggregate = new LinkedHashMap<>();
        aggregate.put("total_running_reqs", running);
        aggregate.put("total_waiting_reqs", l.waiting());
        aggregate.put("total_reqs", running + l.waiting());
        aggregate.put("avg_token_usage", usage);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("timestamp", System.currentTimeMillis() / 1000.0);
        m.put("version", options.isVllm() ? VLLM_VERSION : SGLANG_VERSION);
        m.put("dp_rank_count", 1);
        m.put("loads", List.of(load));
        m.put("aggregate", aggregate);
        return Json.write(m);
    }

    private String metrics() {
        Load l = load();
        long running = l.running();
        double usage = l.usage();
        String labels = "{model_name=" + Json.str(options.model()) + "}";
        StringBuilder sb = new StringBuilder(1024);
        if (options.isVllm()) {
            gauge(sb, "vllm:num_requests_running", "Number of requests in model execution batches.", labels, running);
            gauge(sb, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", labels, l.waiting());
            gauge(sb, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", labels, usage);
            counter(sb, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", labels, worker.promptTokensTotal());
            counter(sb, "vllm:generation_tokens_total", "Number of generation tokens processed.", labels, worker.generationTokensTotal());
            counter(sb, "vllm:request_success_total", "Count of requests received.", labels, worker.requestCount());
            if (worker.engine() != null) counter(sb, "vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.", labels, l.promptTokens());
            if (worker.engine() != null) counter(sb, "vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", labels, l.cachedTokens());
        } else {
            gauge(sb, "sglang:num_running_reqs", "The number of running requests.", labels, running);
            gauge(sb, "sglang:num_queue_reqs", "The number of requests in the waiting queue.", labels, l.waiting());
            gauge(sb, "sglang:token_usage", "The token usage.", labels, usage);
            if (worker.engine() != null) gauge(sb, "sglang:gen_throughput", "The generation throughput (token/s).", labels, l.genThroughput());
            if (worker.engine() != null) gauge(sb, "sglang:cache_hit_rate", "The prefix cache hit rate.", labels, l.hitRate());
            gauge(sb, "sglang:max_total_num_tokens", "Maximum total number of tokens.", labels, l.capacity());
            counter(sb, "sglang:prompt_tokens_total", "Number of prefill tokens processed.", labels, worker.promptTokensTotal());
            counter(sb, "sglang:generation_tokens_total", "Number of generation tokens processed.", labels, worker.generationTokensTotal());
            counter(sb, "sglang:num_requests_total", "Number of requests processed.", labels, worker.requestCount());
        }
        return sb.toString();
    }

    private static void gauge(StringBuilder sb, String name, String help, String labels, double v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(labels).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder sb, String name, String help, String labels, double v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(labels).append(' ').append(v).append('\n');
    }
}
