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

    private final String host;
    private final int httpBasePort;
    private final int httpCount;
    private final String model;
    private final String backend;
    private final int outputTokens;
    private final long genMs;
    private final long tokenDelayMs;
    private final int embeddingDim;

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
                .embeddingDim(embeddingDim);
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

    @Override
    public String toString() {
        return "MockWorkerOptions[host=" + host + ", httpBasePort=" + httpBasePort + ", httpCount=" + httpCount
                + ", model=" + model + ", backend=" + backend + ", outputTokens=" + outputTokens + ", genMs=" + genMs
                + ", tokenDelayMs=" + tokenDelayMs + ", embeddingDim=" + embeddingDim + "]";
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
            return new MockWorkerOptions(this);
        }
    }
}
