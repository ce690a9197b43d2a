package io.drover.workers;

import com.fasterxml.jackson.jr.ob.JSON;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * What a worker tells about itself when it is registered, as SMG's registration workflow reads it:
 * its models and backend from {@code /v1/models} ({@code owned_by}), its server info from
 * {@code /get_server_info} (or {@code /server_info}) — model path, served model name, parallel
 * sizes, context length, {@code max_running_requests} — and, when neither names the backend,
 * {@code /version} (vLLM serves it). Best effort: a worker that answers none of these keeps what its
 * spec says. Called on the probing virtual thread of the worker's first good health check.
 */
final class MetadataDiscovery {
    private static final Logger LOG = Logger.getLogger(MetadataDiscovery.class.getName());
    private static final Set<String> KEPT = Set.of("model_path", "served_model_name", "tokenizer_path", "tp_size",
            "dp_size", "pp_size", "context_length", "max_total_num_tokens", "max_running_requests",
            "max_model_len", "version", "disaggregation_mode", "is_embedding", "load_balance_method");

    private final WorkerClient client;

    MetadataDiscovery(WorkerClient client) {
        this.client = client;
    }

    /** Fills in {@code w}'s models, runtime and metadata. */
    void discover(Worker w, Duration timeout) {
        String ownedBy = models(w, timeout);
        Map<String, Object> meta = serverInfo(w, timeout);
        if (ownedBy == null && !meta.isEmpty()) {
            ownedBy = "sglang"; // SGLang serves /get_server_info; vLLM does not
        }
        if (ownedBy == null && get(w, "/version", timeout) != null) {
            ownedBy = "vllm";
        }
        if ("unspecified".equals(w.runtime()) && ownedBy != null) {
            w.runtime(switch (ownedBy) {
                case "sglang", "nvidia" -> "sglang";
                case "vllm" -> "vllm";
                default -> "unspecified";
            });
        }
        if (w.models().isEmpty()) {
            Object name = meta.getOrDefault("served_model_name", meta.get("model_path"));
            if (name instanceof String s && !s.isBlank()) {
                w.discoveredModels(List.of(s));
            }
        }
        w.metadata(meta);
    }

    /** The data-parallel size the worker reported, or 0 when it reported none. */
    static int dpSize(Worker w) {
        return w.metadata().get("dp_size") instanceof Number n ? n.intValue() : 0;
    }

    private String models(Worker w, Duration timeout) {
        Object doc = get(w, "/v1/models", timeout);
        if (!(doc instanceof Map<?, ?> m) || !(m.get("data") instanceof List<?> data)) {
            return null;
        }
        List<String> ids = new ArrayList<>();
        String ownedBy = null;
        for (Object o : data) {
            if (o instanceof Map<?, ?> e && e.get("id") instanceof String id) {
                ids.add(id);
                if (e.get("owned_by") instanceof String ob) {
                    ownedBy = ob;
                }
            }
        }
        if (!ids.isEmpty()) {
            w.discoveredModels(ids);
        }
        return ownedBy;
    }

    private Map<String, Object> serverInfo(Worker w, Duration timeout) {
        Object doc = get(w, "/get_server_info", timeout);
        if (doc == null) {
            doc = get(w, "/server_info", timeout);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (doc instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (KEPT.contains(String.valueOf(k)) && (v instanceof Number || v instanceof String
                        || v instanceof Boolean)) {
                    out.put(String.valueOf(k), v);
                }
            });
        }
        return out;
    }

    /** GET {@code path} as JSON, or null when the worker does not answer it with 200 and JSON. */
    private Object get(Worker w, String path, Duration timeout) {
        try {
            WorkerClient.Small r = client.get(w, path, timeout);
            return r.status() == 200 ? JSON.std.anyFrom(r.body()) : null;
        } catch (Exception e) {
            LOG.fine(() -> path + " of " + w.url() + ": " + e);
            return null;
        }
    }
}
