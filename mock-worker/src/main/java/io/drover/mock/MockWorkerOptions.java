package io.drover.mock;

import java.util.Objects;

/**
 * Immutable settings for a {@link MockFleet}: where the fake workers listen and how they answer.
 *
 * <p>Built by the gateway (when {@code ./drover} starts with no workers), by {@link MockWorkerCommand}
 * and by tests, on any thread, via {@link #builder()}. Every worker of a fleet starts from the same
 * options; per-worker knobs ({@link MockWorker#setGenMs}, {@link MockWorker#setFault}) override them
 * at run time.
 */
public final class MockWorkerOptions {
    /** Backend flavours the mock can impersonate. */
    public static final String SGLANG = "sglang";
    /** vLLM flavour: owned_by "vllm", vllm:* metrics, and a /version route. */
    public static final String VLLM = "vllm";
    /** Engine mode: fixed delays (the default). */
    public static final String CANNED = "canned";
    /** Engine mode: a continuous-batching simulator per worker ({@link Engine}). */
    public static final String REALISTIC = "realistic";

    private final String host;
    private final int httpBasePort;
    private final int httpCount;
    private final String model;
    private final String backend;
    private final int outputTokens;
    private final long genMs;
    private final long tokenDelayMs;
    private final int embeddingDim;
    private final String engine;
    private final double prefillTps;
    private final double decodeBaseMs;
    private final double decodePerReqMs;
    private final int prefillChunk;
    private final int maxRunning;
    private final long kvTokens;
    private final int blockSize;
    private final boolean prefixCache;

    private MockWorkerOptions(Builder b) {
        this.host = b.host;
        this.httpBasePort = b.httpBasePort;
        this.httpCount = b.httpCount;
        this.model = b.model;
        this.backend = b.backend;
        this.outputTokens = b.outputTokens;
        this.genMs = b.genMs;
        this.tokenDelayMs = b.tokenDelayMs;
        this.embeddingDim = b.embeddingDim;
        this.engine = b.engine;
        this.prefillTps = b.prefillTps;
        this.decodeBaseMs = b.decodeBaseMs;
        this.decodePerReqMs = b.decodePerReqMs;
        this.prefillChunk = b.prefillChunk;
        this.maxRunning = b.maxRunning;
        this.kvTokens = b.kvTokens;
        this.blockSize = b.blockSize;
        this.prefixCache = b.prefixCache;
    }

    /** A builder holding the defaults (127.0.0.1, base port 9000, one sglang worker, 8 tokens, no delays). */
    public static Builder builder() {
        return new Builder();
    }

    /** Options with every default. */
    public static MockWorkerOptions defaults() {
        return builder().build();
    }

    /** A builder initialised from these options. */
    public Builder toBuilder() {
        return new Builder().host(host).httpBasePort(httpBasePort).httpCount(httpCount).model(model)
                .backend(backend).outputTokens(outputTokens).genMs(genMs).tokenDelayMs(tokenDelayMs)
                .embeddingDim(embeddingDim).engine(engine).prefillTps(prefillTps).decodeBaseMs(decodeBaseMs)
                .decodePerReqMs(decodePerReqMs).prefillChunk(prefillChunk).maxRunning(maxRunning).kvTokens(kvTokens)
                .blockSize(blockSize).prefixCache(prefixCache);
    }

    /** Bind address of every worker (default 127.0.0.1). */
    public String host() { return host; }
    /** Port of worker 0; worker i listens on base+i. 0 means every worker gets an ephemeral port. */
    public int httpBasePort() { return httpBasePort; }
    /** Number of workers (default 1). */
    public int httpCount() { return httpCount; }
    /** Model id served and reported (default "mock-model"). */
    public String model() { return model; }
    /** "sglang" (default) or "vllm". */
    public String backend() { return backend; }
    /** True when impersonating vLLM. */
    public boolean isVllm() { return VLLM.equals(backend); }
    /** Tokens generated per request unless the request asks for fewer (default 8). */
    public int outputTokens() { return outputTokens; }
    /** Delay before the first token, or before a non-streamed answer (default 0). */
    public long genMs() { return genMs; }
    /** Gap between streamed tokens (default 0). */
    public long tokenDelayMs() { return tokenDelayMs; }
    /** Length of each embedding vector (default 8). */
    public int embeddingDim() { return embeddingDim; }
    /** "canned" (default: fixed delays) or "realistic" (continuous-batching simulator). */
    public String engine() { return engine; }
    /** True in realistic engine mode. */
    public boolean isRealistic() { return REALISTIC.equals(engine); }
    /** Realistic mode: prefill speed in uncached prompt tokens per second (default 8000). */
    public double prefillTps() { return prefillTps; }
    /** Realistic mode: fixed part of a batch step (default 6.0 ms). */
    public double decodeBaseMs() { return decodeBaseMs; }
    /** Realistic mode: step time added per running request (default 0.35 ms). */
    public double decodePerReqMs() { return decodePerReqMs; }
    /** Realistic mode: prompt tokens prefilled per step at most (default 2048). */
    public int prefillChunk() { return prefillChunk; }
    /** Realistic mode: running-request cap; more wait in a queue (default 256). */
    public int maxRunning() { return maxRunning; }
    /** Realistic mode: KV-cache capacity in tokens (default 524288). */
    public long kvTokens() { return kvTokens; }
    /** Realistic mode: prefix-cache block size in tokens (default 16). */
    public int blockSize() { return blockSize; }
    /** Realistic mode: whether the prefix cache is on (default true). */
    public boolean prefixCache() { return prefixCache; }

    @Override
    public String toString() {
        return "MockWorkerOptions[host=" + host + ", httpBasePort=" + httpBasePort + ", httpCount=" + httpCount
                + ", model=" + model + ", backend=" + backend + ", outputTokens=" + outputTokens + ", genMs=" + genMs
                + ", tokenDelayMs=" + tokenDelayMs + ", embeddingDim=" + embeddingDim + ", engine=" + engine
                + (isRealistic() ? ", prefillTps=" + prefillTps + ", decodeBaseMs=" + decodeBaseMs + ", decodePerReqMs="
                + decodePerReqMs + ", prefillChunk=" + prefillChunk + ", maxRunning=" + maxRunning + ", kvTokens=" + kvTokens
                + ", blockSize=" + blockSize + ", prefixCache=" + prefixCache : "") + "]";
    }

    /** Mutable builder for {@link MockWorkerOptions}; not thread-safe. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int httpBasePort = 9000;
        private int httpCount = 1;
        private String model = "mock-model";
        private String backend = SGLANG;
        private int outputTokens = 8;
        private long genMs;
        private long tokenDelayMs;
        private int embeddingDim = 8;
        private String engine = CANNED;
        private double prefillTps = 8000;
        private double decodeBaseMs = 6.0;
        private double decodePerReqMs = 0.35;
        private int prefillChunk = 2048;
        private int maxRunning = 256;
        private long kvTokens = 524_288;
        private int blockSize = 16;
        private boolean prefixCache = true;

        private Builder() {
        }

        public Builder host(String host) { this.host = Objects.requireNonNull(host, "host"); return this; }
        public Builder httpBasePort(int port) { this.httpBasePort = port; return this; }
        public Builder httpCount(int count) { this.httpCount = count; return this; }
        public Builder model(String model) { this.model = Objects.requireNonNull(model, "model"); return this; }
        public Builder backend(String backend) { this.backend = Objects.requireNonNull(backend, "backend"); return this; }
        public Builder outputTokens(int tokens) { this.outputTokens = tokens; return this; }
        public Builder genMs(long ms) { this.genMs = ms; return this; }
        public Builder tokenDelayMs(long ms) { this.tokenDelayMs = ms; return this; }
        public Builder embeddingDim(int dim) { this.embeddingDim = dim; return this; }
        /** "canned" or "realistic". */
        public Builder engine(String engine) { this.engine = Objects.requireNonNull(engine, "engine"); return this; }
        public Builder prefillTps(double tps) { this.prefillTps = tps; return this; }
        public Builder decodeBaseMs(double ms) { this.decodeBaseMs = ms; return this; }
        public Builder decodePerReqMs(double ms) { this.decodePerReqMs = ms; return this; }
        public Builder prefillChunk(int tokens) { this.prefillChunk = tokens; return this; }
        public Builder maxRunning(int n) { this.maxRunning = n; return this; }
        public Builder kvTokens(long tokens) { this.kvTokens = tokens; return this; }
        public Builder blockSize(int tokens) { this.blockSize = tokens; return this; }
        public Builder prefixCache(boolean on) { this.prefixCache = on; return this; }

        /** Validates and builds; throws {@link IllegalArgumentException} on a bad value. */
        public MockWorkerOptions build() {
            if (httpCount < 1) throw new IllegalArgumentException("httpCount must be >= 1: " + httpCount);
            if (httpBasePort < 0 || (httpBasePort > 0 && httpBasePort + httpCount - 1 > 65535)) {
                throw new IllegalArgumentException("ports " + httpBasePort + ".." + (httpBasePort + httpCount - 1)
                        + " out of range");
            }
            backend = backend.toLowerCase(java.util.Locale.ROOT);
            if (!SGLANG.equals(backend) && !VLLM.equals(backend)) {
                throw new IllegalArgumentException("backend must be sglang or vllm: " + backend);
            }
            if (outputTokens < 0) throw new IllegalArgumentException("outputTokens must be >= 0");
            if (genMs < 0 || tokenDelayMs < 0) throw new IllegalArgumentException("delays must be >= 0");
            if (embeddingDim < 1) throw new IllegalArgumentException("embeddingDim must be >= 1");
            engine = engine.toLowerCase(java.util.Locale.ROOT);
            if (!CANNED.equals(engine) && !REALISTIC.equals(engine)) {
                throw new IllegalArgumentException("engine must be canned or realistic: " + engine);
            }
            if (!(prefillTps > 0) || decodeBaseMs < 0 || decodePerReqMs < 0 || prefillChunk < 1 || maxRunning < 1
                    || kvTokens < 1 || blockSize < 1) {
                throw new IllegalArgumentException("realistic engine settings out of range");
            }
            return new MockWorkerOptions(this);
        }
    }
}
