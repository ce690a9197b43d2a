package io.drover.routing.prefix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two JVMs open one index file: each sees the other's inserts while both are running. */
class TwoProcessIndexTest {
    static final String TEXT_A = "system: you are a helpful assistant for process A. ".repeat(20);
    static final String TEXT_B = "system: you are a terse assistant for process B. ".repeat(20);

    /** The child: inserts TEXT_B for worker 2, waits for TEXT_A from the parent, reports what it saw. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        try (ChroniclePrefixIndex idx = ChroniclePrefixIndex.open(file, 1 << 14, 1 << 14, Duration.ofHours(1))) {
            BlockHashes h = new BlockHashes();
            int n = h.ofText("m", TEXT_B, 64);
            idx.insert(BlockHashes.key("m"), h.hashes(), n, 2, 0);
            idx.flush();
            System.out.println("INSERTED");
            long end = System.currentTimeMillis() + 20_000;
            PrefixIndex.Owners o = new PrefixIndex.Owners();
            int a = 0;
            while (System.currentTimeMillis() < end) {
                int na = h.ofText("m", TEXT_A, 64);
                a = idx.longestMatch(h.hashes(), na, o);
                if (a == na) {
                    break;
                }
                Thread.sleep(20);
            }
            System.out.println("SAW_A " + a + " owner " + (o.count() > 0 ? o.worker(0) : -1));
        }
    }

    @Test
    void twoGatewayProcessesShareOneIndex(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("shared.dat");
        try (ChroniclePrefixIndex idx = ChroniclePrefixIndex.open(file, 1 << 14, 1 << 14, Duration.ofHours(1))) {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(x -> x.startsWith("--add-") || x.startsWith("--enable-native") || x.startsWith("--sun-misc"))
                    .toList());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TwoProcessIndexTest.class.getName(),
                    file.toString()));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            StringBuilder log = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals("INSERTED")) {
                log.append(line).append('\n');
            }
            assertEquals("INSERTED", line, log.toString());
            BlockHashes h = new BlockHashes();
            PrefixIndex.Owners o = new PrefixIndex.Owners();
            int nb = h.ofText("m", TEXT_B, 64);
            assertEquals(nb, idx.longestMatch(h.hashes(), nb, o), "this process sees the child's insert");
            assertEquals(2, o.worker(0));
            int na = h.ofText("m", TEXT_A, 64);
            idx.insert(BlockHashes.key("m"), h.hashes(), na, 1, 0);
            idx.flush();
            String report = null;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("SAW_A")) {
                    report = line;
                }
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals("SAW_A " + na + " owner 1", report, "the child saw this process's insert");
        }
    }
}
