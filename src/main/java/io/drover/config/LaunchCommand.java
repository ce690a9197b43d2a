package io.drover.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The gateway's command line, with SMG's flag names and defaults. Parsed on the main thread;
 * {@link #toConfig()} validates it and builds the immutable {@link GatewayConfig}.
 * Every option may also be given as a key of the YAML file named by {@code --config}
 * (see {@link YamlDefaults}); the command line wins over the file.
 */
@Command(name = "launch", aliases = {"start"}, mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = LaunchCommand.Version.class,
        description = "Start the Drover gateway (SMG-compatible flags).",
        showDefaultValues = true)
public class LaunchCommand {

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML file whose keys are flag names (without --); flags on the command line win.")
    Path config;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind the gateway to.")
    String host;

    @Option(names = "--port", defaultValue = "30000", description = "Gateway port.")
    int port;

    @Option(names = "--worker-urls", arity = "1..*", split = ",", paramLabel = "URL",
            description = "Worker URLs (http://host:port). With none, a bundled mock fleet is started "
                    + "(see --mock-workers).")
    List<String> workerUrls = new ArrayList<>();

    @Option(names = "--policy", defaultValue = "cache_aware",
            description = "Routing policy: cache_aware, round_robin, random, power_of_two, least_load, "
                    + "prefix_hash, consistent_hashing, manual, bucket, passthrough.")
    String policy;

    @Option(names = "--prometheus-host", defaultValue = "0.0.0.0", description = "Address of the metrics listener.")
    String prometheusHost;

    @Option(names = "--prometheus-port", defaultValue = "29000",
            description = "Port of the metrics listener (/metrics); -1 turns it off.")
    int prometheusPort;

    @Option(names = "--api-key", description = "API key sent to workers as Authorization: Bearer.")
    String apiKey;

    @Option(names = "--request-timeout-secs", defaultValue = "1800", description = "Upstream request timeout.")
    long requestTimeoutSecs;

    @Option(names = "--max-payload-size", defaultValue = "536870912", description = "Largest request body, bytes.")
    long maxPayloadSize;

    @Option(names = "--request-id-headers", arity = "1..*", split = ",", paramLabel = "HEADER",
            description = "Headers a request id is read from, in order (default: x-request-id, "
                    + "x-correlation-id, x-trace-id, request-id).")
    List<String> requestIdHeaders = new ArrayList<>();

    @Option(names = "--log-level", defaultValue = "info", description = "trace, debug, info, warn, error.")
    String logLevel;

    @Option(names = "--log-json", defaultValue = "false", description = "Log as JSON lines.")
    boolean logJson;

    @Option(names = "--log-dir", description = "Directory for drover.log (stderr only when unset).")
    Path logDir;

    @Option(names = "--shutdown-grace-period-secs", defaultValue = "180",
            description = "How long in-flight requests may finish after SIGTERM.")
    long shutdownGracePeriodSecs;

    @Option(names = "--cors-allowed-origins", arity = "1..*", split = ",", paramLabel = "ORIGIN",
            description = "Origins allowed by CORS (* for any); CORS is off when unset.")
    List<String> corsAllowedOrigins = new ArrayList<>();

    @Option(names = "--model-alias", split = ",", paramLabel = "ALIAS=MODEL",
            description = "Serve model ALIAS from the workers of MODEL (repeatable).")
    List<String> modelAlias = new ArrayList<>();

    @Option(names = "--health-check-interval-secs", defaultValue = "60", description = "Seconds between probes.")
    long healthCheckIntervalSecs;

    @Option(names = "--health-check-timeout-secs", defaultValue = "5", description = "Probe timeout.")
    long healthCheckTimeoutSecs;

    @Option(names = "--health-check-endpoint", defaultValue = "/health", description = "Path probed with GET.")
    String healthCheckEndpoint;

    @Option(names = "--health-failure-threshold", defaultValue = "3",
            description = "Consecutive failed probes before a worker leaves rotation.")
    int healthFailureThreshold;

    @Option(names = "--health-success-threshold", defaultValue = "2",
            description = "Consecutive good probes before a worker returns.")
    int healthSuccessThreshold;

    @Option(names = "--disable-health-check", defaultValue = "false", description = "No periodic probes.")
    boolean disableHealthCheck;

    @CommandLine.Mixin
    RoutingOptions routing = new RoutingOptions();

    @CommandLine.Mixin
    ResilienceOptions resilience = new ResilienceOptions();

    @Option(names = "--mock-workers", defaultValue = "4",
            description = "Drover only: bundled mock workers started when no --worker-urls is given (0 = none).")
    int mockWorkers;

    /** Validates the parsed options and builds the configuration. */
    public GatewayConfig toConfig() {
        String p = policy.toLowerCase(Locale.ROOT);
        if (!SmgFlags.POLICIES.contains(p)) {
            throw bad("--policy: unknown policy '" + policy + "'; available: " + String.join(", ", SmgFlags.POLICIES));
        }
        checkPort("--port", port);
        if (prometheusPort != -1) {
            checkPort("--prometheus-port", prometheusPort);
        }
        if (requestTimeoutSecs <= 0) {
            throw bad("--request-timeout-secs must be positive");
        }
        if (maxPayloadSize <= 0) {
            throw bad("--max-payload-size must be positive");
        }
        if (healthFailureThreshold < 1 || healthSuccessThreshold < 1) {
            throw bad("--health-failure-threshold and --health-success-threshold must be at least 1");
        }
        if (healthCheckIntervalSecs < 1 || healthCheckTimeoutSecs < 1) {
            throw bad("--health-check-interval-secs and --health-check-timeout-secs must be at least 1");
        }
        if (!healthCheckEndpoint.startsWith("/")) {
            throw bad("--health-check-endpoint must start with /");
        }
        if (mockWorkers < 0) {
            throw bad("--mock-workers must be 0 or more");
        }
        Map<String, String> aliases = new LinkedHashMap<>();
        for (String a : modelAlias) {
            int eq = a.indexOf('=');
            if (eq <= 0 || eq == a.length() - 1) {
                throw bad("--model-alias expects ALIAS=MODEL, got '" + a + "'");
            }
            aliases.put(a.substring(0, eq).trim(), a.substring(eq + 1).trim());
        }
        for (String u : workerUrls) {
            WorkerUrls.validate(u).ifPresent(msg -> { throw bad("--worker-urls: " + msg); });
        }
        RoutingSettings routingSettings;
        try {
            routingSettings = routing.toSettings();
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        List<String> ids = requestIdHeaders.isEmpty() ? GatewayConfig.DEFAULT_REQUEST_ID_HEADERS : requestIdHeaders;
        var health = new GatewayConfig.HealthSettings(Duration.ofSeconds(healthCheckIntervalSecs),
                Duration.ofSeconds(healthCheckTimeoutSecs), healthCheckEndpoint, healthFailureThreshold,
                healthSuccessThreshold, disableHealthCheck);
        return new GatewayConfig(host, port, workerUrls.stream().map(WorkerUrls::normalize).toList(), p,
                prometheusHost, prometheusPort, apiKey, Duration.ofSeconds(requestTimeoutSecs), maxPayloadSize, ids,
                logLevel, logJson, logDir, Duration.ofSeconds(shutdownGracePeriodSecs), corsAllowedOrigins, aliases,
                health, mockWorkers, routingSettings, resilience.toSettings(new CommandLine(this)));
    }

    private void checkPort(String flag, int value) {
        if (value < 0 || value > 65535) {
            throw bad(flag + " must be between 0 and 65535, got " + value);
        }
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(new CommandLine(this), message);
    }

    /** Prints the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LaunchCommand.class.getPackage().getImplementationVersion();
            return new String[] {"drover " + (v == null ? "dev" : v) + " (SMG-compatible gateway), Java "
                    + Runtime.version()};
        }
    }
}
