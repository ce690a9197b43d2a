package io.drover.workers;

import java.util.List;
import java.util.Map;

/**
 * What a client says about a worker when registering it (the body of {@code POST /workers}, or a
 * {@code --worker-urls} entry). Immutable. Field names follow SMG's WorkerSpec.
 *
 * @param url          base URL, normalised (no trailing slash)
 * @param models       model ids served; empty = discovered from the worker, or any model
 * @param apiKey       key sent to this worker as {@code Authorization: Bearer}, or null
 * @param labels       free-form labels
 * @param priority     SMG priority (default 50)
 * @param cost         SMG cost (default 1.0)
 * @param workerType   regular, prefill, decode or encode
 * @param runtimeType  sglang, vllm, trtllm, mlx, tokenspeed, external or unspecified
 * @param health       per-worker health-check overrides
 */
public record WorkerSpec(String url, List<String> models, String apiKey, Map<String, String> labels,
                         int priority, double cost, String workerType, String runtimeType, HealthOverrides health) {

    public WorkerSpec {
        models = List.copyOf(models);
        labels = Map.copyOf(labels);
        health = health == null ? HealthOverrides.NONE : health;
    }

    /** A spec without health overrides. */
    public WorkerSpec(String url, List<String> models, String apiKey, Map<String, String> labels,
                      int priority, double cost, String workerType, String runtimeType) {
        this(url, models, apiKey, labels, priority, cost, workerType, runtimeType, HealthOverrides.NONE);
    }

    /** A spec with SMG's defaults for everything but the URL. */
    public static WorkerSpec of(String url) {
        return new WorkerSpec(url, List.of(), null, Map.of(), 50, 1.0, "regular", "unspecified");
    }

    /** A copy with other health overrides. */
    public WorkerSpec withHealth(HealthOverrides h) {
        return new WorkerSpec(url, models, apiKey, labels, priority, cost, workerType, runtimeType, h);
    }

    /** A copy serving {@code m}. */
    public WorkerSpec withModels(List<String> m) {
        return new WorkerSpec(url, m, apiKey, labels, priority, cost, workerType, runtimeType, health);
    }
}
