package io.drover.workers;

import io.drover.config.GatewayConfig.HealthSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-worker overrides of the health-check settings, the {@code health} object of a worker spec
 * ({@code {"health":{"check_interval_secs":5,"failure_threshold":2,...}}}); a null field keeps the
 * gateway's value. Immutable.
 */
public record HealthOverrides(Long checkIntervalSecs, Long timeoutSecs, String endpoint, Integer failureThreshold,
                              Integer successThreshold, Boolean disableHealthCheck, Long drainSettleSecs) {
    /** No override. */
    public static final HealthOverrides NONE = new HealthOverrides(null, null, null, null, null, null, null);

    private static final Set<String> FIELDS = Set.of("check_interval_secs", "timeout_secs", "endpoint",
            "failure_threshold", "success_threshold", "disable_health_check", "drain_settle_secs");

    /** The gateway's settings with these overrides applied. */
    public HealthSettings apply(HealthSettings d) {
        if (this.equals(NONE)) {
            return d;
        }
        return new HealthSettings(
                checkIntervalSecs != null ? Duration.ofSeconds(checkIntervalSecs) : d.interval(),
                timeoutSecs != null ? Duration.ofSeconds(timeoutSecs) : d.timeout(),
                endpoint != null ? endpoint : d.endpoint(),
                failureThreshold != null ? failureThreshold : d.failureThreshold(),
                successThreshold != null ? successThreshold : d.successThreshold(),
                disableHealthCheck != null ? disableHealthCheck : d.disabled());
    }

    /** The drain settle time of this worker. */
    public Duration drainSettle(Duration gatewayDefault) {
        return drainSettleSecs != null ? Duration.ofSeconds(drainSettleSecs) : gatewayDefault;
    }

    /** The overrides as JSON fields (only those set). */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "check_interval_secs", checkIntervalSecs);
        put(m, "timeout_secs", timeoutSecs);
        put(m, "endpoint", endpoint);
        put(m, "failure_threshold", failureThreshold);
        put(m, "success_threshold", successThreshold);
        put(m, "disable_health_check", disableHealthCheck);
        put(m, "drain_settle_secs", drainSettleSecs);
        return m;
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    /** Parses a spec's {@code health} object; throws {@link IllegalArgumentException} naming a bad field. */
    public static HealthOverrides fromJson(Object json) {
        if (json == null) {
            return NONE;
        }
        if (!(json instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("'health' must be an object");
        }
        for (Object k : m.keySet()) {
            if (!FIELDS.contains(String.valueOf(k))) {
                throw new IllegalArgumentException("unknown health field '" + k + "'; known: " + FIELDS);
            }
        }
        Long interval = positive(m, "check_interval_secs", 1);
        Long timeout = positive(m, "timeout_secs", 1);
        Long ft = positive(m, "failure_threshold", 1);
        Long st = positive(m, "success_threshold", 1);
        Long settle = positive(m, "drain_settle_secs", 0);
        Object ep = m.get("endpoint");
        if (ep != null && !(ep instanceof String s && s.startsWith("/"))) {
            throw new IllegalArgumentException("health.endpoint must be a path starting with /");
        }
        Object dis = m.get("disable_health_check");
        if (dis != null && !(dis instanceof Boolean)) {
            throw new IllegalArgumentException("health.disable_health_check must be true or false");
        }
        return new HealthOverrides(interval, timeout, (String) ep, ft == null ? null : ft.intValue(),
                st == null ? null : st.intValue(), (Boolean) dis, settle);
    }

    private static Long positive(Map<?, ?> m, String k, long min) {
        Object v = m.get(k);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() >= min
                && n.longValue() <= Integer.MAX_VALUE) {
            return n.longValue();
        }
        throw new IllegalArgumentException("health." + k + " must be an integer of at least " + min);
    }
}
