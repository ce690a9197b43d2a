package io.drover.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LaunchCommandTest {
    private static GatewayConfig parse(YamlDefaults yaml, String... args) {
        LaunchCommand c = new LaunchCommand();
        CommandLine cli = new CommandLine(c);
        if (yaml != null) {
            yaml.checkKeys(cli.getCommandSpec());
            cli.setDefaultValueProvider(yaml);
        }
        cli.parseArgs(args);
        return c.toConfig();
    }

    @Test
    void defaultsAreSmgs() {
        GatewayConfig c = parse(null);
        assertEquals("0.0.0.0", c.host());
        assertEquals(30000, c.port());
        assertEquals("0.0.0.0", c.prometheusHost());
        assertEquals(29000, c.prometheusPort());
        assertEquals(1800, c.requestTimeout().toSeconds());
        assertEquals(536_870_912L, c.maxPayloadSize());
        assertEquals(180, c.shutdownGracePeriod().toSeconds());
        assertEquals(GatewayConfig.DEFAULT_REQUEST_ID_HEADERS, c.requestIdHeaders());
        assertEquals(60, c.health().interval().toSeconds());
        assertEquals(5, c.health().timeout().toSeconds());
        assertEquals("/health", c.health().endpoint());
        assertEquals(3, c.health().failureThreshold());
        assertEquals(2, c.health().successThreshold());
        assertNull(c.apiKey());
        assertFalse(c.logJson());
        assertEquals("cache_aware", c.policy());
        RoutingSettings r = c.routing();
        assertEquals(0.3, r.cacheThreshold());
        assertEquals(64, r.balanceAbsThreshold());
        assertEquals(1.5, r.balanceRelThreshold());
        assertEquals(1.0, r.balanceTokenUsageThreshold());
        assertEquals(1.0, r.overloadTokenUsageThreshold());
        assertEquals(120, r.evictionInterval().toSeconds());
        assertEquals(67_108_864L, r.maxTreeSize());
        assertEquals(16, r.blockSize());
        assertEquals(256, r.prefixTokenCount());
        assertEquals(1.25, r.prefixHashLoadFactor());
        assertEquals(14_400, r.maxIdle().toSeconds());
        assertEquals("random", r.assignmentMode());
        assertEquals(0.15, r.kvPressureWeight());
        assertEquals(2000.0, r.defaultThroughput());
        assertEquals(1024, r.meanPrefillTokens());
        assertFalse(r.routingKeyOverride());
        assertEquals(10, r.loadMonitorInterval().toSeconds());
    }

    @Test
    void workerUrlsTakeSpacesOrCommas() {
        assertEquals(List.of("http://a:1", "http://b:2", "http://c:3"),
                parse(null, "--worker-urls", "http://a:1", "b:2/", "--worker-urls=http://c:3").workerUrls());
        assertEquals(List.of("http://a:1", "http://b:2"), parse(null, "--worker-urls", "http://a:1,http://b:2")
                .workerUrls());
    }

    @Test
    void badValuesAreRefusedWithTheFlagNamed() {
        var e = assertThrows(CommandLine.ParameterException.class, () -> parse(null, "--policy", "fastest"));
        assertTrue(e.getMessage().contains("fastest") && e.getMessage().contains("cache_aware"), e.getMessage());
        assertThrows(CommandLine.ParameterException.class, () -> parse(null, "--cache-threshold", "1.5"));
        assertThrows(CommandLine.ParameterException.class, () -> parse(null, "--assignment-mode", "sticky"));
        assertThrows(CommandLine.ParameterException.class, () -> parse(null, "--port", "70000"));
        assertThrows(CommandLine.ParameterException.class, () -> parse(null, "--worker-urls", "grpc://a:1"));
        assertThrows(CommandLine.ParameterException.class, () -> parse(null, "--model-alias", "nope"));
        assertThrows(CommandLine.ParameterException.class, () -> parse(null, "--port", "abc"));
        assertThrows(CommandLine.UnmatchedArgumentException.class, () -> parse(null, "--no-such-flag"));
    }

    @Test
    void unimplementedSmgFlagsAreNamed() {
        assertEquals("--pd-disaggregation", SmgFlags.firstUnimplemented(new String[] {"--port", "1",
            "--pd-disaggregation"}));
        assertEquals("--prefill", SmgFlags.firstUnimplemented(new String[] {"--prefill", "http://p:1"}));
        assertEquals("--enable-mesh", SmgFlags.firstUnimplemented(new String[] {"--enable-mesh=true"}));
        assertNull(SmgFlags.firstUnimplemented(new String[] {"--cache-threshold=0.5", "--max-tree-size", "1"}));
        assertNull(SmgFlags.firstUnimplemented(new String[] {"--port", "1", "--policy", "random"}));
    }

    @Test
    void yamlConfigSuppliesDefaultsAndTheCommandLineWins(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("drover.yaml");
        Files.writeString(f, """
                port: 31000
                policy: random
                worker_urls:
                  - http://w1:8000
                  - http://w2:8000
                model-alias:
                  - gpt=llama
                request-timeout-secs: 30
                log-json: true
                """);
        YamlDefaults y = YamlDefaults.load(f);
        GatewayConfig c = parse(y, "--policy", "round_robin");
        assertEquals(31000, c.port());
        assertEquals("round_robin", c.policy(), "the command line overrides the file");
        assertEquals(List.of("http://w1:8000", "http://w2:8000"), c.workerUrls());
        assertEquals("llama", c.modelAliases().get("gpt"));
        assertEquals(30, c.requestTimeout().toSeconds());
        assertTrue(c.logJson());
    }

    @Test
    void yamlWithUnknownOrUnimplementedKeysIsRefused(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "port: 1\nfrobnicate: 2\n");
        var e = assertThrows(IllegalArgumentException.class, () -> parse(YamlDefaults.load(f)));
        assertTrue(e.getMessage().contains("frobnicate"));
        Files.writeString(f, "pd-disaggregation: true\n");
        e = assertThrows(IllegalArgumentException.class, () -> parse(YamlDefaults.load(f)));
        assertTrue(e.getMessage().contains("does not implement"), e.getMessage());
        Files.writeString(f, "- just\n- a list\n");
        assertThrows(IllegalArgumentException.class, () -> YamlDefaults.load(f));
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        String help = new CommandLine(new LaunchCommand()).getUsageMessage();
        for (String flag : List.of("--host", "--port", "--worker-urls", "--policy", "--prometheus-host",
                "--prometheus-port", "--api-key", "--request-timeout-secs", "--max-payload-size",
                "--request-id-headers", "--log-level", "--log-json", "--log-dir", "--shutdown-grace-period-secs",
                "--cors-allowed-origins", "--model-alias", "--config", "--cache-threshold", "--balance-abs-threshold",
                "--max-tree-size", "--block-size", "--eviction-interval", "--routing-key-override",
                "--assignment-mode", "--prefix-index-path")) {
            assertTrue(help.contains(flag), "help lacks " + flag);
        }
        assertTrue(help.contains("30000") && help.contains("536870912") && help.contains("1800"));
    }
}
