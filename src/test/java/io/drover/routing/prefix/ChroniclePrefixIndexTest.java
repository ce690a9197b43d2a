package io.drover.routing.prefix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChroniclePrefixIndexTest {
    static final int CPB = 64;

    private static ChroniclePrefixIndex open(Path file, long perModel) throws Exception {
        return ChroniclePrefixIndex.open(file, Math.max(4096, 2 * perModel), perModel, Duration.ofHours(1));
    }

    private static String words(Random r, int chars) {
        StringBuilder sb = new StringBuilder(chars + 8);
        while (sb.length() < chars) {
            sb.append((char) ('a' + r.nextInt(26))).append(r.nextInt(10) == 0 ? ' ' : "");
        }
        return sb.substring(0, chars);
    }

    private static int match(PrefixIndex idx, BlockHashes h, String model, String text, PrefixIndex.Owners o) {
        int n = h.ofText(model, text, CPB);
        return idx.longestMatch(h.hashes(), n, o);
    }

    private static void insert(PrefixIndex idx, BlockHashes h, String model, String text, long worker) {
        int n = h.ofText(model, text, CPB);
        idx.insert(BlockHashes.key(model), h.hashes(), n, worker, 0);
    }

    @Test
    void longestMatchAgreesWithAReferenceTree(@TempDir Path dir) throws Exception {
        Random r = new Random(42);
        ReferencePrefixTree ref = new ReferencePrefixTree(CPB);
        List<String> roots = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            roots.add(words(r, 64 * (1 + r.nextInt(12))));
        }
        BlockHashes h = new BlockHashes();
        try (ChroniclePrefixIndex idx = open(dir.resolve("p.dat"), 1 << 20)) {
            for (int step = 0; step < 3000; step++) {
                String model = r.nextInt(4) == 0 ? "qwen" : "llama";
                String text = roots.get(r.nextInt(roots.size())) + words(r, r.nextInt(400));
                if (r.nextInt(3) == 0) {
                    text = text.substring(0, r.nextInt(text.length() + 1)); // a shorter prompt
                }
                if (r.nextBoolean()) {
                    long worker = 1 + r.nextInt(6);
                    ref.insert(model, text, worker);
                    insert(idx, h, model, text, worker);
                } else {
                    Set<Long> want = new HashSet<>();
                    int expected = ref.longestMatch(model, text, want);
                    PrefixIndex.Owners o = new PrefixIndex.Owners();
                    int got = match(idx, h, model, text, o);
                    assertEquals(expected, got, "match depth at step " + step);
                    if (got > 0) {
                        assertTrue(o.count() > 0, "a matched prefix has an owner");
                        for (int i = 0; i < o.count(); i++) {
                            assertTrue(want.contains(o.worker(i)), "owner " + o.worker(i) + " holds it: " + want);
                        }
                    }
                }
            }
            idx.flush();
            assertTrue(idx.size() > 0);
        }
    }

    @Test
    void theIndexSurvivesARestart(@TempDir Path dir) throws Exception {
        BlockHashes h = new BlockHashes();
        String text = words(new Random(1), 64 * 20);
        try (ChroniclePrefixIndex idx = open(dir.resolve("p.dat"), 1 << 16)) {
            insert(idx, h, "m", text, 7);
            idx.flush();
        }
        try (ChroniclePrefixIndex idx = open(dir.resolve("p.dat"), 1 << 16)) {
            PrefixIndex.Owners o = new PrefixIndex.Owners();
            assertEquals(20, match(idx, h, "m", text + "tail", o));
            assertEquals(7, o.worker(0));
        }
    }

    @Test
    void evictionKeepsEachModelWithinItsBudgetDroppingTheLeastRecentlyUsed(@TempDir Path dir) throws Exception {
        BlockHashes h = new BlockHashes();
        Random r = new Random(3);
        try (ChroniclePrefixIndex idx = open(dir.resolve("p.dat"), 100)) {
            String old = words(r, 64 * 60);
            insert(idx, h, "m", old, 1);
            idx.flush();
            Thread.sleep(30);
            String recent = words(r, 64 * 60);
            insert(idx, h, "m", recent, 2);
            String other = words(r, 64 * 50);
            insert(idx, h, "other-model", other, 3);
            idx.flush();
            assertEquals(170, idx.size());
            int evicted = idx.evictNow();
            assertEquals(20, evicted, "only model m was over its budget of 100 blocks");
            PrefixIndex.Owners o = new PrefixIndex.Owners();
            assertEquals(60, match(idx, h, "m", recent, o), "the recent prompt is kept whole");
            assertEquals(50, match(idx, h, "other-model", other, o), "another model's budget is its own");
            assertEquals(40, match(idx, h, "m", old, o), "the least recently used chain shrank from its end");
        }
    }

    @Test
    void removingAWorkerRemovesItsOwnership(@TempDir Path dir) throws Exception {
        BlockHashes h = new BlockHashes();
        String shared = words(new Random(5), 64 * 10);
        String onlyA = shared + words(new Random(6), 64 * 5);
        try (ChroniclePrefixIndex idx = open(dir.resolve("p.dat"), 1 << 16)) {
            insert(idx, h, "m", onlyA, 11);
            insert(idx, h, "m", shared, 22);
            idx.flush();
            idx.removeWorker(11);
            idx.flush();
            PrefixIndex.Owners o = new PrefixIndex.Owners();
            // a fresh index object has no in-process cache: it sees what the file holds
            try (ChroniclePrefixIndex other = open(dir.resolve("p.dat"), 1 << 16)) {
                assertEquals(10, match(other, h, "m", onlyA, o), "blocks owned by worker 11 alone are gone");
                assertEquals(1, o.count());
                assertEquals(22, o.worker(0));
            }
        }
    }
}
