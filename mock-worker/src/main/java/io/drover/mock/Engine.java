package io.drover.mock;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The realistic engine of one {@link MockWorker} ({@code --engine realistic}): a continuous-batching
 * simulator. Requests wait in a FIFO queue, are admitted while fewer than {@code maxRunning} run and
 * the KV cache has room for their uncached prompt plus their output, are prefilled in chunks of
 * {@code prefillChunk} tokens per step at {@code prefillTps}, then decode one token per step. A step
 * takes {@code decodeBaseMs + decodePerReqMs * running + prefillTokens / prefillTps}. Prompt blocks go
 * into a {@link PrefixCache} when their prefill completes; a later prompt with the same leading blocks
 * skips their prefill and reports them as cached tokens. Unreferenced blocks are evicted LRU when
 * KV space runs out.
 *
 * <p>Threads: one scheduler loop per engine on its own virtual thread, started lazily by the first
 * request and parked while idle. Request handlers call {@link #submit} and then block in
 * {@link Request#awaitTokens}; every method is thread-safe (one lock per engine).
 */
public final class Engine implements AutoCloseable {
    private final MockWorkerOptions o;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private final List<Request> running = new ArrayList<>();
    private final PrefixCache cache = new PrefixCache();
    private final long stepBaseNanos;
    private final double stepPerReqNanos;
    private final double prefillNanosPerToken;
    private Thread loop;
    private boolean closed;
    /** KV tokens in use: cached blocks plus reservations of running requests. */
    private long usedTokens;
    private long promptTokensTotal;
    private long cachedTokensTotal;
    private long generatedTotal;
    private long steps;
    private long rateFromNanos = System.nanoTime();
    private long rateFromTokens;
    private double genThroughput;

    /** Creates an idle engine with the worker options' realistic-mode settings. */
    Engine(MockWorkerOptions options) {
        this.o = options;
        this.stepBaseNanos = (long) (options.decodeBaseMs() * 1e6);
        this.stepPerReqNanos = options.decodePerReqMs() * 1e6;
        this.prefillNanosPerToken = 1e9 / options.prefillTps();
    }

    /** One request inside the engine; its handler thread waits on it. */
    public static final class Request {
        final PromptBlocks prompt;
        final int maxOut;
        final Semaphore permits = new Semaphore(0);
        volatile boolean cancelled;
        volatile boolean aborted;
        int matchedBlocks;
        int cached;
        int prefillLeft;
        int stepPrefill;
        int generated;
        int pinnedBlocks;
        long reserved;

        Request(PromptBlocks prompt, int maxOut) {
            this.prompt = prompt;
            this.maxOut = maxOut;
        }

        /** Prompt tokens served from the prefix cache (valid once the first token arrived). */
        public int cachedTokens() { return cached; }

        /** Prompt tokens. */
        public int promptTokens() { return prompt.tokens(); }

        /**
         * Blocks until {@code n} more tokens were generated (the request's last token also brings
         * one extra "finished" permit, so {@code maxOut + 1} permits are handed out in total).
         *
         * @return false if the engine closed meanwhile
         */
        public boolean awaitTokens(int n) throws InterruptedException {
            permits.acquire(n);
            return !aborted;
        }
    }

    /** Queues a request; the scheduler admits it when there is room. */
    public Request submit(PromptBlocks prompt, int maxOut) {
        Request r = new Request(prompt, Math.max(0, maxOut));
        lock.lock();
        try {
            if (closed) {
                r.aborted = true;
                r.permits.release(Integer.MAX_VALUE / 2);
                return r;
            }
            waiting.add(r);
            if (loop == null) loop = Thread.ofVirtual().name("mock-engine").start(this::run);
            work.signal();
        } finally {
            lock.unlock();
        }
        return r;
    }

    /** Tells the scheduler the client of {@code r} went away; it leaves the batch at the next step. */
    public void cancel(Request r) {
        r.cancelled = true;
    }

    private void run() {
        long clock = System.nanoTime();
        while (true) {
            long stepNanos;
            lock.lock();
            try {
                while (!closed && running.isEmpty() && waiting.isEmpty()) {
                    work.awaitUninterruptibly();
                    clock = System.nanoTime();
                }
                if (closed) {
                    abortAll();
                    return;
                }
                dropCancelled();
                admit();
                if (running.isEmpty()) continue;
                int budget = o.prefillChunk();
                long prefill = 0;
                for (Request r : running) {
                    r.stepPrefill = 0;
                    if (r.prefillLeft > 0 && budget > 0) {
                        r.stepPrefill = Math.min(budget, r.prefillLeft);
                        budget -= r.stepPrefill;
                        prefill += r.stepPrefill;
                    }
                }
                stepNanos = stepBaseNanos + (long) (stepPerReqNanos * running.size() + prefillNanosPerToken * prefill);
            } finally {
                lock.unlock();
            }
            clock = Math.max(clock, System.nanoTime() - 2_000_000) + stepNanos; // never bank more than 2 ms of lag
            long left;
            while ((left = clock - System.nanoTime()) > 0) LockSupport.parkNanos(left);
            lock.lock();
            try {
                steps++;
                finishStep();
                updateRate(System.nanoTime());
            } finally {
                lock.unlock();
            }
        }
    }

    private void dropCancelled() {
        waiting.removeIf(r -> r.cancelled);
        for (Iterator<Request> it = running.iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (r.cancelled) {
                it.remove();
                release(r);
            }
        }
    }

    private void admit() {
        int bs = o.blockSize();
        while (!waiting.isEmpty() && running.size() < o.maxRunning()) {
            Request r = waiting.peek();
            int m = o.prefixCache() ? cache.match(r.prompt) : 0;
            if (m > 0) cache.pin(r.prompt, m);
            long need = (long) r.prompt.tokens() - (long) m * bs + r.maxOut;
            while (usedTokens + need > o.kvTokens() && cache.evictOne()) usedTokens -= bs;
            if (usedTokens + need > o.kvTokens() && !running.isEmpty()) {
                if (m > 0) cache.unpin(r.prompt, m);
                return; // head of line waits for KV space
            }
            waiting.poll();
            r.matchedBlocks = m;
            r.pinnedBlocks = m;
            int tokens = r.prompt.tokens();
            r.cached = Math.min(m * bs, Math.max(0, tokens - 1)); // at least one prompt token is computed
            r.prefillLeft = Math.max(1, tokens - r.cached);
            r.reserved = need;
            usedTokens += need;
            promptTokensTotal += tokens;
            cachedTokensTotal += r.cached;
            running.add(r);
        }
    }

    private void finishStep() {
        int bs = o.blockSize();
        for (Iterator<Request> it = running.iterator(); it.hasNext(); ) {
            Request r = it.next();
            boolean token;
            if (r.stepPrefill > 0) {
                r.prefillLeft -= r.stepPrefill;
                r.stepPrefill = 0;
                token = r.prefillLeft == 0;
                if (token && o.prefixCache()) {
                    int full = r.prompt.blockCount();
                    int added = cache.insertPinned(r.prompt, r.matchedBlocks, full);
                    long moved = (long) (full - r.matchedBlocks) * bs;
                    r.reserved -= moved;
                    usedTokens += (long) added * bs - moved;
                    r.pinnedBlocks = full;
                }
            } else {
                token = r.prefillLeft == 0;
            }
            if (!token) continue;
            boolean last = r.generated + 1 >= r.maxOut;
            if (r.maxOut > 0) {
                r.generated++;
                generatedTotal++;
            }
            if (last || r.cancelled) {
                it.remove();
                release(r);
                r.permits.release(r.maxOut > 0 ? 2 : 1);
            } else {
                r.permits.release(1);
            }
        }
    }

    /** Output tokens per second over the last second or more (what SGLang reports as gen_throughput). */
    private void updateRate(long now) {
        long dt = now - rateFromNanos;
        if (dt >= 1_000_000_000L) {
            genThroughput = (generatedTotal - rateFromTokens) * 1e9 / dt;
            rateFromNanos = now;
            rateFromTokens = generatedTotal;
        }
    }

    private void release(Request r) {
        usedTokens -= r.reserved;
        r.reserved = 0;
        if (r.pinnedBlocks > 0) cache.unpin(r.prompt, r.pinnedBlocks);
        r.pinnedBlocks = 0;
    }

    private void abortAll() {
        for (Request r : waiting) abort(r);
        for (Request r : running) abort(r);
        waiting.clear();
        running.clear();
    }

    private static void abort(Request r) {
        r.aborted = true;
        r.permits.release(Integer.MAX_VALUE / 2);
    }

    /** Drops every cached block no running request uses (SGLang's /flush_cache). */
    public void flush() {
        lock.lock();
        try {
            usedTokens -= (long) cache.clearUnreferenced() * o.blockSize();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A consistent snapshot of the engine's gauges and counters. {@code usedTokens} counts what running
     * requests hold (their reservations and referenced blocks); cached blocks nobody references are
     * evictable and, as in SGLang's and vLLM's usage figures, not counted as used.
     */
    public record Stats(int running, int waiting, long usedTokens, long capacityTokens, int cachedBlocks,
                        long promptTokens, long cachedTokens, long generatedTokens, long steps,
                        long waitingUncachedTokens, double genThroughput) {
        /** KV usage in [0, 1]. */
        public double tokenUsage() { return capacityTokens == 0 ? 0 : Math.min(1.0, (double) usedTokens / capacityTokens); }

        /** Cached share of all admitted prompt tokens. */
        public double cacheHitRate() { return promptTokens == 0 ? 0 : (double) cachedTokens / promptTokens; }
    }

    /** Current gauges and counters. */
    public Stats stats() {
        lock.lock();
        try {
            long held = usedTokens - (long) cache.evictableSize() * o.blockSize();
            long pending = 0; // prompt tokens still to prefill: whole prompts of waiting requests, the rest of running ones
            for (Request r : waiting) pending += r.prompt.tokens();
            for (Request r : running) pending += r.prefillLeft;
            updateRate(System.nanoTime());
            return new Stats(running.size(), waiting.size(), held, o.kvTokens(), cache.size(),
                    promptTokensTotal, cachedTokensTotal, generatedTotal, steps, pending, genThroughput);
        } finally {
            lock.unlock();
        }
    }

    /** Zeroes the counters (not the cache or the batch). */
    void resetCounters() {
        lock.lock();
        try {
            promptTokensTotal = 0;
            cachedTokensTotal = 0;
            generatedTotal = 0;
            steps = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the scheduler; waiting and running requests are aborted. Idempotent. */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            work.signalAll();
            t = loop;
            if (t == null) abortAll();
        } finally {
            lock.unlock();
        }
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
