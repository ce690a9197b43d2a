package io.drover.mock;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One fake inference worker of a {@link MockFleet}: its port, its counters and its run-time knobs.
 *
 * <p>Tests and the gateway read counters and set knobs from any thread; the request handlers
 * (virtual threads of the fleet's web server) update them. All accessors are thread-safe.
 * "Inference requests" are POSTs to the chat, completion, generate, embedding, rerank and
 * classify routes; only those are counted and subject to {@link Fault}s (except
 * {@link Fault#UNHEALTHY}, which affects /health).
 */
public final class MockWorker {
    private final int index;
    private volatile int port;
    private volatile Fault fault = Fault.NONE;
    private volatile long genMs;
    private volatile long tokenDelayMs;
    private volatile int outputTokens;
    private volatile boolean closed;
    /** The batching simulator in realistic mode, else null. */
    private final Engine engine;

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong activeTokens = new AtomicLong();
    private final AtomicLong promptTokensTotal = new AtomicLong();
    private final AtomicLong generationTokensTotal = new AtomicLong();
    private final AtomicLong idSeq = new AtomicLong();
    private volatile Map<String, List<String>> lastHeaders = Map.of();
    private volatile byte[] lastBody = new byte[0];

    /** Wakes requests parked by HANG or a delay when the fault changes or the fleet closes. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    MockWorker(int index, MockWorkerOptions options) {
        this.index = index;
        this.genMs = options.genMs();
        this.tokenDelayMs = options.tokenDelayMs();
        this.outputTokens = options.outputTokens();
        this.engine = options.isRealistic() ? new Engine(options) : null;
    }

    /** The realistic-mode batching simulator, or null in canned mode. */
    public Engine engine() { return engine; }

    /** Position of this worker in its fleet (0-based). */
    public int index() { return index; }
    /** The port this worker listens on (known once the fleet has started). */
    public int port() { return port; }
    void port(int port) { this.port = port; }

    /** Number of inference requests received (including faulted and malformed ones). */
    public long requestCount() { return requests.get(); }
    /** Inference requests currently being handled. */
    public long activeRequests() { return active.get(); }
    /**
     * Requests whose client went away before the response finished, detected when a write
     * failed (in particular between streamed tokens).
     */
    public long cancelledRequests() { return cancelled.get(); }
    /** Headers of the last inference request, lower-case names; a copy. */
    public Map<String, List<String>> lastRequestHeaders() { return lastHeaders; }
    /** Body of the last inference request; a copy. */
    public byte[] lastRequestBody() { return lastBody.clone(); }

    /** The current fault ({@link Fault#NONE} when healthy). */
    public Fault fault() { return fault; }

    /** Sets the fault; requests parked by {@link Fault#HANG} re-check it at once. */
    public void setFault(Fault fault) {
        this.fault = fault == null ? Fault.NONE : fault;
        signal();
    }

    /** Delay before the first token or a non-streamed answer. */
    public long genMs() { return genMs; }
    public void setGenMs(long ms) { if (ms < 0) throw new IllegalArgumentException("ms < 0"); this.genMs = ms; }
    /** Gap between streamed tokens. */
    public long tokenDelayMs() { return tokenDelayMs; }
    public void setTokenDelayMs(long ms) { if (ms < 0) throw new IllegalArgumentException("ms < 0"); this.tokenDelayMs = ms; }
    /** Tokens per answer unless a request asks for fewer. */
    public int outputTokens() { return outputTokens; }
    public void setOutputTokens(int n) { if (n < 0) throw new IllegalArgumentException("n < 0"); this.outputTokens = n; }

    /** Clears counters, last request and fault (knobs and the realistic engine's cache keep their values). */
    public void reset() {
        requests.set(0);
        cancelled.set(0);
        lastHeaders = Map.of();
        lastBody = new byte[0];
        setFault(Fault.NONE);
        if (engine != null) engine.resetCounters();
    }

    /** Tokens (prompt + completion) of requests in flight, for load reports. */
    long activeTokens() { return activeTokens.get(); }
    long promptTokensTotal() { return promptTokensTotal.get(); }
    long generationTokensTotal() { return generationTokensTotal.get(); }
    long nextId() { return idSeq.incrementAndGet(); }

    void received(Map<String, List<String>> headers, byte[] body) {
        requests.incrementAndGet();
        lastHeaders = headers;
        lastBody = body;
    }

    void begin() { active.incrementAndGet(); }
    void end() { active.decrementAndGet(); }
    void cancelled() { cancelled.incrementAndGet(); }

    void tokensStarted(long prompt, long completion) {
        activeTokens.addAndGet(prompt + completion);
        promptTokensTotal.addAndGet(prompt);
    }

    void tokensFinished(long prompt, long completion, long generated) {
        activeTokens.addAndGet(-(prompt + completion));
        generationTokensTotal.addAndGet(generated);
    }

    boolean closed() { return closed; }

    void close() {
        closed = true;
        signal();
        if (engine != null) engine.close();
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sleeps {@code ms} on the calling (virtual) thread, waking early if the fleet closes.
     *
     * @return false if the fleet closed meanwhile
     */
    boolean pause(long ms) throws InterruptedException {
        if (ms <= 0) return !closed;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        lock.lock();
        try {
            long left;
            while (!closed && (left = deadline - System.nanoTime()) > 0) {
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
        return !closed;
    }

    /**
     * Parks the calling thread while the fault is {@link Fault#HANG}.
     *
     * @return false if the fleet closed meanwhile
     */
    boolean awaitNotHanging() throws InterruptedException {
        lock.lock();
        try {
            while (!closed && fault.kind() == Fault.Kind.HANG) {
                changed.await();
            }
        } finally {
            lock.unlock();
        }
        return !closed;
    }

    @Override
    public String toString() {
        return "MockWorker[" + index + " port=" + port + " fault=" + fault + "]";
    }
}
