package io.drover.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ResilienceOptionsTest {
    private static ResilienceSettings parse(String... args) {
        LaunchCommand c = new LaunchCommand();
        new CommandLine(c).parseArgs(args);
        return c.toConfig().resilience();
    }

    @Test
    void defaultsAreSmgs() {
        ResilienceSettings r = parse();
        assertEquals(new ResilienceSettings.Breaker(10, 3, Duration.ofSeconds(60), Duration.ofSeconds(120), false),
                r.breaker());
        assertEquals(new ResilienceSettings.Retry(5, 50, 30_000, 1.5, 0.2, false), r.retry());
        assertEquals(Duration.ofSeconds(1800), r.workerStartupTimeout());
        assertEquals(Duration.ofSeconds(5), r.drainSettle());
        assertFalse(r.removeUnhealthy());
        assertEquals(-1, r.healthCheckPort());
        assertEquals(Duration.ofSeconds(10), r.connectTimeout());
        assertTrue(r.firstByteTimeout().isZero() && r.streamIdleTimeout().isZero());
        assertEquals(ResilienceSettings.Discovery.off(), r.discovery());
        assertEquals(ResilienceSettings.defaults(), r);
    }

    @Test
    void everyFlagIsParsed() {
        ResilienceSettings r = parse("--cb-failure-threshold", "4", "--cb-success-threshold", "1",
                "--cb-timeout-duration-secs", "7", "--cb-window-duration-secs", "9", "--disable-circuit-breaker",
                "--retry-max-retries", "2", "--retry-initial-backoff-ms", "10", "--retry-max-backoff-ms", "100",
                "--retry-backoff-multiplier", "2", "--retry-jitter-factor", "0", "--disable-retries",
                "--worker-startup-timeout-secs", "30", "--remove-unhealthy-workers", "--drain-settle-secs", "0",
                "--health-check-port", "8081", "--connect-timeout-secs", "3", "--first-byte-timeout-secs", "1.5",
                "--stream-idle-timeout-secs", "20", "--service-discovery", "--selector", "app=llm", "tier=gpu",
                "--service-discovery-namespace", "ml", "--service-discovery-port", "8000");
        assertEquals(new ResilienceSettings.Breaker(4, 1, Duration.ofSeconds(7), Duration.ofSeconds(9), true),
                r.breaker());
        assertEquals(new ResilienceSettings.Retry(2, 10, 100, 2.0, 0.0, true), r.retry());
        assertEquals(1, r.retry().attempts());
        assertEquals(Duration.ofSeconds(30), r.workerStartupTimeout());
        assertTrue(r.removeUnhealthy());
        assertTrue(r.drainSettle().isZero());
        assertEquals(8081, r.healthCheckPort());
        assertEquals(Duration.ofMillis(1500), r.firstByteTimeout());
        assertEquals(Duration.ofSeconds(20), r.streamIdleTimeout());
        assertEquals(new ResilienceSettings.Discovery(true, Map.of("app", "llm", "tier", "gpu"), "ml", 8000),
                r.discovery());
    }

    @Test
    void implementedFlagsAreNoLongerRefused() {
        for (String f : new String[] {"--cb-failure-threshold", "--retry-max-retries", "--disable-retries",
            "--health-check-port", "--remove-unhealthy-workers", "--drain-settle-secs",
            "--worker-startup-timeout-secs", "--service-discovery", "--selector"}) {
            assertNull(SmgFlags.firstUnimplemented(new String[] {f, "1"}), f);
        }
    }

    @Test
    void badValuesAreRefused() {
        assertThrows(CommandLine.ParameterException.class, () -> parse("--retry-max-retries", "0"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("--retry-jitter-factor", "1.5"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("--cb-failure-threshold", "0"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("--health-check-port", "70000"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("--selector", "novalue"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("--retry-initial-backoff-ms", "500",
                "--retry-max-backoff-ms", "100"));
    }

    @Test
    void backoffGrowsIsCappedAndJittered() {
        ResilienceSettings.Retry r = new ResilienceSettings.Retry(5, 50, 100, 1.5, 0.0, false);
        assertEquals(50_000_000L, r.backoffNanos(1, 0.5));
        assertEquals(75_000_000L, r.backoffNanos(2, 0.5));
        assertEquals(100_000_000L, r.backoffNanos(3, 0.5), "capped at the maximum");
        ResilienceSettings.Retry j = ResilienceSettings.Retry.defaults();
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) {
            long n = j.backoffNanos(1, rnd.nextDouble());
            assertTrue(n >= 40_000_000L && n <= 60_000_000L, "within +-20%: " + n);
        }
    }
}
