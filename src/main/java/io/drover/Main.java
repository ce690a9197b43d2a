package io.drover;

import io.drover.config.GatewayConfig;
import io.drover.config.LaunchCommand;
import io.drover.config.SmgFlags;
import io.drover.config.YamlDefaults;
import io.drover.observability.Logging;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import picocli.CommandLine;

/**
 * The {@code drover} command: {@code drover [launch|start] [flags]} runs the gateway (SMG's flags),
 * {@code drover mock-worker [flags]} the bundled mock fleet. With no {@code --worker-urls} the
 * gateway starts a mock fleet in-process so that it answers out of the box. SIGTERM drains
 * (readiness 503, in-flight requests finish within the grace period) and exits 0.
 */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {}

    public static void main(String[] args) {
        System.setProperty("jdk.httpclient.keepalive.timeout", "50");
        System.exit(run(args));
    }

    /** Runs the command line; returns the exit status. */
    static int run(String[] args) {
        if (args.length > 0 && args[0].equals("mock-worker")) {
            return MockCommands.runMockWorker(Arrays.copyOfRange(args, 1, args.length));
        }
        if (args.length > 0 && (args[0].equals("launch") || args[0].equals("start"))) {
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        String refused = SmgFlags.firstUnimplemented(args);
        if (refused != null) {
            System.err.println("drover: " + refused + " is an SMG flag that Drover does not implement yet;"
                    + " remove it (README.md lists the flags Drover implements)");
            return 2;
        }
        LaunchCommand launch = new LaunchCommand();
        CommandLine cli = new CommandLine(launch);
        try {
            Path configFile = configFile(args);
            if (configFile != null) {
                YamlDefaults yaml = YamlDefaults.load(configFile);
                yaml.checkKeys(cli.getCommandSpec());
                cli.setDefaultValueProvider(yaml);
            }
            CommandLine.ParseResult parsed = cli.parseArgs(args);
            if (CommandLine.printHelpIfRequested(parsed)) {
                return 0;
            }
            GatewayConfig config = launch.toConfig();
            Logging.configure(config.logLevel(), config.logJson(), config.logDir());
            return serve(config);
        } catch (CommandLine.ParameterException e) {
            System.err.println("drover: " + e.getMessage());
            System.err.println("Try 'drover --help' for the flags.");
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("drover: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("drover: " + e.getMessage());
            return 1;
        }
    }

    private static Path configFile(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        return null;
    }

    private static int serve(GatewayConfig config) throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        var gatewayRef = new java.util.concurrent.atomic.AtomicReference<Gateway>();
        var mockRef = new java.util.concurrent.atomic.AtomicReference<AutoCloseable>();
        var grace = config.shutdownGracePeriod();
        Signals.onTerminate(() -> {
            try {
                Gateway g = gatewayRef.get();
                if (g != null) {
                    boolean clean = g.shutdown(grace);
                    LOG.info(clean ? "stopped cleanly" : "stopped with requests cut off by the grace period");
                }
                AutoCloseable mock = mockRef.get();
                if (mock != null) {
                    mock.close();
                }
            } catch (Exception e) {
                LOG.warning("shutdown: " + e);
            } finally {
                stopped.countDown();
            }
        });
        if (config.workerUrls().isEmpty() && config.mockWorkers() > 0) {
            MockCommands.Fleet fleet = MockCommands.startFleet(config.mockWorkers());
            mockRef.set(fleet.closer());
            config = config.withWorkerUrls(fleet.urls());
            LOG.info("no --worker-urls given: started the bundled mock fleet (" + fleet.urls().size()
                    + " workers, model 'mock-model'); --mock-workers 0 starts with none");
        }
        if (stopped.getCount() == 0) {
            return 0; // terminated while starting
        }
        Gateway gateway = Gateway.start(config);
        gatewayRef.set(gateway);
        if (stopped.getCount() == 0) {
            gateway.close();
            return 0;
        }
        if (!config.workerUrls().isEmpty()
                && !gateway.awaitReady(config.workerUrls().size(), java.time.Duration.ofSeconds(5))) {
            LOG.warning(gateway.registry().readyCount() + " of " + config.workerUrls().size()
                    + " worker(s) healthy so far; the others join once their health check passes");
        }
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        String model = gateway.registry().all().stream().flatMap(w -> w.models().stream()).findFirst()
                .orElse("mock-model");
        LOG.info("drover listening on " + config.host() + ":" + gateway.port() + ", policy " + config.policy()
                + ", " + config.workerUrls().size() + " worker(s)"
                + (gateway.metricsPort() > 0 ? ", metrics on " + config.prometheusHost() + ":" + gateway.metricsPort()
                        : ""));
        System.out.println("Drover is ready. Try:\n  curl -s http://" + host + ":" + gateway.port()
                + "/v1/chat/completions -H 'Content-Type: application/json' -d '{\"model\":\"" + model + "\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'");
        stopped.await();
        return 0;
    }
}
