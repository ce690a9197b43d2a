package io.drover.config;

import java.util.List;
import java.util.Set;

/**
 * SMG command-line flags that Drover does not implement yet. Such a flag is refused with a message
 * naming it instead of being silently ignored, so a team swapping binaries learns at once what
 * would behave differently. Called on the main thread before parsing.
 */
public final class SmgFlags {
    private SmgFlags() {}

    /** Flags of SMG's {@code launch} command that Drover refuses for now. */
    public static final Set<String> NOT_YET = Set.of(
            "--enable-igw",
            "--dp-minimum-tokens-scheduler", "--pd-disaggregation", "--epd-disaggregation", "--prefill", "--decode",
            "--encode", "--prefill-policy", "--decode-policy", "--encode-policy",
            "--worker-startup-delay", "--worker-startup-check-interval", "--engine-metrics", "--multimodal-tensor-transport", "--multimodal-shm-min-bytes",
            "--encode-selector", "--prefill-selector", "--decode-selector", "--router-selector", "--model-id-from",
            "--prometheus-duration-buckets", "--storage-context-headers", "--trust-tenant-header",
            "--tenant-header-name", "--max-concurrent-requests", "--queue-size", "--queue-timeout-secs",
            "--rate-limit-tokens-per-second", "--priority-scheduler-enabled",
            "--priority-scheduler-default-max-class", "--priority-scheduler-config",
            "--priority-scheduler-tenant-metric-top-n", "--tenant-rate-limit-enabled",
            "--tenant-rate-limit-config",
            "--model-path", "--model", "--tokenizer-path", "--chat-template",
            "--disable-tokenizer-autoload", "--tokenizer-cache-enable-l0", "--tokenizer-cache-l0-max-entries",
            "--tokenizer-cache-enable-l1", "--tokenizer-cache-l1-max-memory", "--reasoning-parser",
            "--tool-call-parser", "--mcp-config-path", "--backend", "--runtime", "--history-backend",
            "--enable-wasm", "--storage-hook-wasm-path", "--schema-config", "--oracle-wallet-path",
            "--oracle-tns-alias", "--oracle-dsn", "--oracle-user", "--oracle-password", "--oracle-external-auth",
            "--oracle-pool-min", "--oracle-pool-max", "--oracle-pool-timeout-secs", "--postgres-db-url",
            "--postgres-pool-max-size", "--redis-url", "--redis-pool-max-size", "--redis-retention-days",
            "--tls-cert-path", "--tls-key-path", "--enable-trace", "--otlp-traces-endpoint", "--tenant-api-key",
            "--jwt-issuer", "--jwt-audience", "--jwt-jwks-uri", "--jwt-role-claim", "--jwt-role-mapping",
            "--control-plane-api-keys", "--disable-audit-logging", "--enable-mesh", "--mesh-server-name",
            "--mesh-host", "--mesh-advertise-host", "--mesh-port", "--mesh-peer-urls", "--webrtc-bind-addr",
            "--webrtc-stun-server", "--runtime-worker-threads", "--version-verbose");

    /** The policies, by SMG name. */
    public static final List<String> POLICIES = List.of("cache_aware", "round_robin", "random", "power_of_two",
            "least_load", "prefix_hash", "consistent_hashing", "manual", "bucket", "passthrough");

    /**
     * Returns the first SMG flag in {@code args} that Drover does not implement, or null.
     * Both {@code --flag value} and {@code --flag=value} forms are recognised.
     */
    public static String firstUnimplemented(String[] args) {
        for (String a : args) {
            if (!a.startsWith("--")) {
                continue;
            }
            int eq = a.indexOf('=');
            String name = eq > 0 ? a.substring(0, eq) : a;
            if (NOT_YET.contains(name)) {
                return name;
            }
        }
        return null;
    }
}
