package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.mock.MockWorkerOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Graceful shutdown: draining turns readiness and new requests to 503 while streams in flight finish. */
class ShutdownTest {
    @Test
    void drainLetsInFlightStreamsFinishAndRefusesNewWork() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).outputTokens(10)
                .tokenDelayMs(100).build(), c -> c)) {
            CompletableFuture<HttpResponse<String>> stream = h.http.sendAsync(HttpRequest.newBuilder(
                    h.uri("/v1/chat/completions")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Harness.chat("mock-model", true))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(Harness.eventually(2000, () -> h.gateway.state().inFlight() == 1));
            CompletableFuture<Boolean> clean = CompletableFuture.supplyAsync(() -> {
                try {
                    return h.gateway.shutdown(Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    return false;
                }
            });
            assertTrue(Harness.eventually(1000, () -> h.gateway.state().draining()));
            HttpResponse<String> ready = h.get("/readiness");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("draining"), ready.body());
            HttpResponse<String> refused = h.post("/v1/chat/completions", Harness.chat("mock-model", false));
            assertEquals(503, refused.statusCode());
            assertEquals("shutting_down", refused.headers().firstValue("X-SMG-Error-Code").orElse(null));
            HttpResponse<String> done = stream.get(10, TimeUnit.SECONDS);
            assertEquals(200, done.statusCode());
            assertTrue(done.body().endsWith("data: [DONE]\n\n"), "the in-flight stream finished: " + done.body());
            assertTrue(clean.get(10, TimeUnit.SECONDS), "nothing was cut off");
        }
    }

    /** The real process: no workers given starts the mock fleet; SIGTERM drains and exits 0. */
    @Test
    void theProcessServesOutOfTheBoxAndExitsZeroOnSigterm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmFlags());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "io.drover.Main", "--host", "127.0.0.1", "--port", "0", "--prometheus-port", "-1",
                "--mock-workers", "2", "--shutdown-grace-period-secs", "10", "--prefix-index-path",
                System.getProperty("java.io.tmpdir") + "/drover-shutdown-" + ProcessHandle.current().pid() + ".dat"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern url = Pattern.compile("curl -s (http://127\\.0\\.0\\.1:\\d+)/v1/chat/completions");
            String base = null;
            StringBuilder log = new StringBuilder();
            long end = System.currentTimeMillis() + 30_000;
            String line;
            while (base == null && System.currentTimeMillis() < end && (line = out.readLine()) != null) {
                log.append(line).append('\n');
                Matcher m = url.matcher(line);
                if (m.find()) {
                    base = m.group(1);
                }
            }
            assertTrue(base != null, "no ready banner: " + log);
            Thread.startVirtualThread(() -> out.lines().forEach(l -> { }));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Harness.chat("mock-model", false))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("chat.completion"), r.body());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the process stopped");
            assertEquals(0, p.exitValue(), "SIGTERM exits 0 after draining");
        } finally {
            p.destroyForcibly();
        }
    }

    /** The module flags this JVM runs with (Chronicle Map needs them), for child JVMs. */
    static List<String> jvmFlags() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-") || a.startsWith("--enable-native") || a.startsWith("--sun-misc"))
                .toList();
    }

    @Test
    void anUnimplementedSmgFlagStopsTheProcessWithItsName() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.drover.Main",
                "--pd-disaggregation").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertTrue(text.contains("--pd-disaggregation") && text.contains("does not implement"), text);
    }
}
