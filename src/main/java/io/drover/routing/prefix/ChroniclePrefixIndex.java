package io.drover.routing.prefix;

import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.agrona.collections.Long2LongHashMap;

/**
 * The prefix index in a Chronicle Map persisted to a file: off-heap, shared by every gateway
 * process on the host that opens the same file, and kept across restarts. Key: a block's chain
 * hash. Value ({@value #VALUE_BYTES} bytes): the model key, the block's depth in its chain, then up
 * to four (worker key, last use) pairs.
 *
 * <p>Threading and cost: the policy thread reads (a bisection over the chain, a few map probes,
 * each a fraction of a microsecond) through a small in-process cache of its own recent inserts,
 * and hands inserts to the index's single writer thread in batches, so it never waits on a map
 * write. The writer thread applies inserts and worker removals and, every eviction interval,
 * enforces the per-model budget: least recently used blocks go first.
 */
public final class ChroniclePrefixIndex implements PrefixIndex {
    private static final Logger LOG = Logger.getLogger(ChroniclePrefixIndex.class.getName());
    static final int VALUE_BYTES = 16 + MAX_OWNERS * 16;
    private static final int OWNERS_AT = 16;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long TOUCH_EVERY_MS = 1000;
    private static final int LOCAL_CACHE_LIMIT = 1 << 18;

    private final ChronicleMap<Long, byte[]> map;
    private final long maxBlocksPerModel;
    private final Duration evictionInterval;
    private final BlockingQueue<Object> work = new ArrayBlockingQueue<>(1 << 14);
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private volatile boolean running = true;
    private volatile long evictionGeneration;

    // policy thread only
    private final Long2LongHashMap local = new Long2LongHashMap(LOCAL_CACHE_LIMIT * 2, 0.6f, 0);
    private final byte[] readBuf = new byte[VALUE_BYTES];
    private long seenEvictionGeneration;

    private record Insert(long model, long[] hashes, int n, long worker, long now) {}

    private record RemoveWorker(long worker) {}

    private record Barrier(CountDownLatch done) {}

    /**
     * Opens (or creates) the index file.
     *
     * @param file               the shared file
     * @param capacity           blocks the file holds (all models)
     * @param maxBlocksPerModel  the per-model budget enforced by eviction
     * @param evictionInterval   how often the budget is enforced
     */
    public static ChroniclePrefixIndex open(Path file, long capacity, long maxBlocksPerModel,
                                            Duration evictionInterval) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        ChronicleMap<Long, byte[]> m;
        try {
            m = build(capacity).createPersistedTo(file.toFile());
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + System.currentTimeMillis());
            LOG.log(Level.WARNING, "prefix index " + file + " cannot be opened (" + e.getMessage()
                    + "); moving it to " + aside + " and starting empty");
            Files.move(file, aside);
            m = build(capacity).createPersistedTo(file.toFile());
        }
        return new ChroniclePrefixIndex(m, maxBlocksPerModel, evictionInterval);
    }

    private static ChronicleMapBuilder<Long, byte[]> build(long capacity) {
        return ChronicleMapBuilder.of(Long.class, byte[].class).name("drover-prefix-index")
                .entries(Math.max(1024, capacity)).constantValueSizeBySample(new byte[VALUE_BYTES]);
    }

    private ChroniclePrefixIndex(ChronicleMap<Long, byte[]> map, long maxBlocksPerModel, Duration evictionInterval) {
        this.map = map;
        this.maxBlocksPerModel = maxBlocksPerModel;
        this.evictionInterval = evictionInterval;
        this.writer = new Thread(this::writeLoop, "drover-prefix-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public int longestMatch(long[] hashes, int n, Owners owners) {
        owners.clear();
        if (seenEvictionGeneration != evictionGeneration) {
            seenEvictionGeneration = evictionGeneration;
            local.clear(); // evicted chains may linger in the cache
        }
        if (n == 0 || !present(hashes[0])) {
            return 0;
        }
        int lo = 1;
        int hi = n;
        // invariant: the first lo blocks are indexed; blocks past hi are not known to be
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (present(hashes[mid - 1])) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        long key = hashes[lo - 1];
        if (map.getUsing(key, readBuf) != null) {
            readOwners(readBuf, owners);
        }
        long mine = local.get(key);
        if (mine != 0 && !contains(owners, mine)) {
            owners.add(mine, System.currentTimeMillis());
        }
        return lo;
    }

    private boolean present(long key) {
        return local.containsKey(key) || map.containsKey(key);
    }

    private static boolean contains(Owners o, long worker) {
        for (int i = 0; i < o.count; i++) {
            if (o.workers[i] == worker) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void insert(long modelKey, long[] hashes, int n, long worker, int matched) {
        if (n == 0) {
            return;
        }
        if (local.size() >= LOCAL_CACHE_LIMIT) {
            local.clear();
        }
        // blocks already indexed need no local entry, except the deepest one, whose owner may change
        for (int i = Math.max(0, Math.min(matched, n) - 1); i < n; i++) {
            local.put(hashes[i], worker);
        }
        long[] copy = java.util.Arrays.copyOf(hashes, n);
        if (!work.offer(new Insert(modelKey, copy, n, worker, System.currentTimeMillis()))) {
            dropped.incrementAndGet(); // the index is a hint: shedding an insert costs a cache miss at worst
        }
    }

    @Override
    public void removeWorker(long worker) {
        try {
            work.put(new RemoveWorker(worker));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void flush() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        work.put(new Barrier(done));
        if (!done.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("prefix index writer did not drain");
        }
    }

    @Override
    public long size() {
        return map.longSize();
    }

    /** Inserts shed because the writer fell behind. */
    public long droppedInserts() {
        return dropped.get();
    }

    /** Blocks removed by eviction so far. */
    public long evictedBlocks() {
        return evicted.get();
    }

    /** Runs one eviction pass now, on the calling thread (tests, benchmarks). */
    public int evictNow() {
        return evict(Set.of());
    }

    // ---- writer thread ----

    private void writeLoop() {
        byte[] buf = new byte[VALUE_BYTES];
        Set<Long> removedWorkers = new HashSet<>();
        long nextEviction = System.nanoTime() + evictionInterval.toNanos();
        while (running) {
            try {
                Object task = work.poll(100, TimeUnit.MILLISECONDS);
                if (task instanceof Insert ins) {
                    apply(ins, buf);
                } else if (task instanceof RemoveWorker rw) {
                    removedWorkers.add(rw.worker());
                    evict(removedWorkers);
                    removedWorkers.clear();
                } else if (task instanceof Barrier b) {
                    b.done().countDown();
                }
                if (System.nanoTime() - nextEviction >= 0) {
                    evict(removedWorkers);
                    nextEviction = System.nanoTime() + evictionInterval.toNanos();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.log(Level.WARNING, "prefix index write failed", e);
                if (String.valueOf(e.getMessage()).contains("overflow")) {
                    evict(removedWorkers);
                }
            }
        }
    }

    private void apply(Insert ins, byte[] buf) {
        // a chain is touched as a whole: if its deepest block is fresh for this worker, so is the rest
        long deepest = ins.hashes()[ins.n() - 1];
        if (map.getUsing(deepest, buf) != null && !touch(buf, ins.worker(), ins.now())) {
            return;
        }
        for (int i = 0; i < ins.n(); i++) {
            long key = ins.hashes()[i];
            if (map.getUsing(key, buf) == null) {
                java.util.Arrays.fill(buf, (byte) 0);
                LONGS.set(buf, 0, ins.model());
                LONGS.set(buf, 8, (long) i);
                LONGS.set(buf, OWNERS_AT, ins.worker());
                LONGS.set(buf, OWNERS_AT + 8, ins.now());
                map.put(key, buf);
            } else if (touch(buf, ins.worker(), ins.now())) {
                map.put(key, buf);
            }
        }
    }

    /** Records {@code worker}'s use in a value; false when nothing needed writing. */
    static boolean touch(byte[] v, long worker, long now) {
        int oldest = -1;
        long oldestAt = Long.MAX_VALUE;
        for (int s = 0; s < MAX_OWNERS; s++) {
            int at = OWNERS_AT + s * 16;
            long w = (long) LONGS.get(v, at);
            long t = (long) LONGS.get(v, at + 8);
            if (w == worker) {
                if (now - t < TOUCH_EVERY_MS) {
                    return false;
                }
                LONGS.set(v, at + 8, now);
                return true;
            }
            long age = w == 0 ? Long.MIN_VALUE : t;
            if (age < oldestAt) {
                oldestAt = age;
                oldest = s;
            }
        }
        int at = OWNERS_AT + oldest * 16;
        LONGS.set(v, at, worker);
        LONGS.set(v, at + 8, now);
        return true;
    }

    static void readOwners(byte[] v, Owners out) {
        for (int s = 0; s < MAX_OWNERS; s++) {
            long w = (long) LONGS.get(v, OWNERS_AT + s * 16);
            if (w != 0) {
                out.add(w, (long) LONGS.get(v, OWNERS_AT + 8 + s * 16));
            }
        }
    }

    private static long lastUse(byte[] v) {
        long max = 0;
        for (int s = 0; s < MAX_OWNERS; s++) {
            max = Math.max(max, (long) LONGS.get(v, OWNERS_AT + 8 + s * 16));
        }
        return max;
    }

    /**
     * Enforces the per-model budget (least recently used, deepest blocks first, exactly down to the budget)
     * and strips removed workers. One pass over the map finds each model's cut-off time and what to
     * change; the changes are then applied key by key.
     */
    private int evict(Set<Long> removedWorkers) {
        Map<Long, java.util.ArrayList<Long>> times = new HashMap<>(); // model -> last-use times
        map.forEachEntry(e -> {
            byte[] v = e.value().get();
            times.computeIfAbsent((long) LONGS.get(v, 0), k -> new java.util.ArrayList<>()).add(age(v));
        });
        Map<Long, long[]> cutoff = new HashMap<>(); // model -> {cut-off time, how many at that time go}
        times.forEach((model, ts) -> {
            int over = ts.size() - (int) Math.min(Integer.MAX_VALUE, maxBlocksPerModel);
            if (over > 0) {
                ts.sort(null);
                long cut = ts.get(over - 1); // the newest time that must go
                int below = 0;
                for (int i = 0; i < over && ts.get(i) < cut; i++) {
                    below++;
                }
                cutoff.put(model, new long[] {cut, over - below});
            }
        });
        if (cutoff.isEmpty() && removedWorkers.isEmpty()) {
            return 0;
        }
        java.util.ArrayList<Long> remove = new java.util.ArrayList<>();
        Map<Long, byte[]> rewrite = new HashMap<>();
        map.forEachEntry(e -> {
            byte[] v = e.value().get();
            long key = e.key().get();
            long[] cut = cutoff.get((long) LONGS.get(v, 0));
            long used = age(v);
            if (cut != null && (used < cut[0] || (used == cut[0] && cut[1]-- > 0))) {
                remove.add(key);
            } else if (!removedWorkers.isEmpty() && stripWorkers(v, removedWorkers)) {
                if (lastUse(v) == 0) {
                    remove.add(key);
                } else {
                    rewrite.put(key, v.clone());
                }
            }
        });
        for (Long k : remove) {
            map.remove(k);
        }
        rewrite.forEach(map::put);
        evicted.addAndGet(remove.size());
        evictionGeneration++;
        if (!remove.isEmpty()) {
            LOG.fine(() -> "prefix index: evicted " + remove.size() + " blocks; " + map.longSize() + " remain");
        }
        return remove.size();
    }

    /**
     * The eviction order of a block: older last use first and, among blocks used at the same time
     * (a chain is touched at once), deeper blocks first, so that a chain shrinks from its end and
     * stays a prefix.
     */
    private static long age(byte[] v) {
        long depth = Math.min(4095, Math.max(0, (long) LONGS.get(v, 8)));
        return (lastUse(v) << 12) | (4095 - depth);
    }

    private static boolean stripWorkers(byte[] v, Set<Long> gone) {
        boolean changed = false;
        for (int s = 0; s < MAX_OWNERS; s++) {
            int at = OWNERS_AT + s * 16;
            if (gone.contains((long) LONGS.get(v, at))) {
                LONGS.set(v, at, 0L);
                LONGS.set(v, at + 8, 0L);
                changed = true;
            }
        }
        return changed;
    }

    @Override
    public void close() {
        running = false;
        writer.interrupt();
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        map.close();
    }

    /** The file this index is persisted to. */
    public File file() {
        return map.file();
    }
}
