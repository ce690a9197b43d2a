package io.drover.ingress;

import io.drover.workers.WorkerRegistry;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway's own health: {@code /health} and {@code /liveness} answer 200 while the process
 * lives; {@code /readiness} answers 200 with the healthy and total worker counts, or 503 with a
 * reason when no worker is healthy or the gateway is draining. O(workers) reads, no locks.
 */
public final class HealthRoutes {
    private final WorkerRegistry registry;
    private final ServingState state;

    public HealthRoutes(WorkerRegistry registry, ServingState state) {
        this.registry = registry;
        this.state = state;
    }

    /** {@code GET /health}, {@code GET /liveness}. */
    public void live(ServerRequest req, ServerResponse res) {
        res.header("Content-Type", "text/plain");
        res.send("OK");
    }

    /** {@code GET /readiness}. */
    public void readiness(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = readinessBody();
        InfoRoutes.sendJson(res, body.get("status").equals("ready") ? 200 : 503, body);
    }

    /** The readiness answer: {@code status} is {@code ready} (HTTP 200) or {@code not_ready} (503). */
    public Map<String, Object> readinessBody() {
        int healthy = registry.readyCount();
        int total = registry.all().size();
        Map<String, Object> body = new LinkedHashMap<>();
        if (state.draining()) {
            body.put("status", "not_ready");
            body.put("reason", "draining");
        } else if (healthy == 0) {
            body.put("status", "not_ready");
            body.put("reason", "insufficient healthy workers");
        } else {
            body.put("status", "ready");
        }
        body.put("healthy_workers", healthy);
        body.put("total_workers", total);
        return body;
    }
}
