package io.drover.mock;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code mock-worker}: starts a {@link MockFleet} and serves until the process is terminated.
 * Run as a subcommand of Drover's main command ({@code ./drover mock-worker --http-count 64}) or
 * standalone through {@link #main}. {@link #call()} blocks the calling thread; a shutdown hook closes
 * the fleet.
 */
@Command(name = "mock-worker", mixinStandardHelpOptions = true, version = "drover mock-worker",
        description = "Serve N fake SGLang/vLLM inference workers on consecutive ports.")
public final class MockWorkerCommand implements Callable<Integer> {
    /** Up to this many workers the command prints one line per worker, else a summary. */
    static final int LIST_LIMIT = 16;

    @Option(names = "--host", description = "Bind address (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";
    @Option(names = "--http-base-port", description = "Port of worker 0; 0 = ephemeral ports (default: ${DEFAULT-VALUE}).")
    int httpBasePort = 9000;
    @Option(names = "--http-count", description = "Number of workers (default: ${DEFAULT-VALUE}).")
    int httpCount = 1;
    @Option(names = "--model", description = "Model id (default: ${DEFAULT-VALUE}).")
    String model = "mock-model";
    @Option(names = "--backend", description = "sglang or vllm (default: ${DEFAULT-VALUE}).")
    String backend = MockWorkerOptions.SGLANG;
    @Option(names = "--output-tokens", description = "Tokens per answer unless the request asks for fewer (default: ${DEFAULT-VALUE}).")
    int outputTokens = 8;
    @Option(names = "--gen-ms", description = "Delay before the first token / a non-streamed answer (default: ${DEFAULT-VALUE}).")
    long genMs;
    @Option(names = "--token-delay-ms", description = "Gap between streamed tokens (default: ${DEFAULT-VALUE}).")
    long tokenDelayMs;
    @Option(names = "--embedding-dim", description = "Embedding vector length (default: ${DEFAULT-VALUE}).")
    int embeddingDim = 8;
    @Option(names = "--engine", description = "canned (fixed delays) or realistic (batching simulator) (default: ${DEFAULT-VALUE}).")
    String engine = MockWorkerOptions.CANNED;
    @Option(names = "--prefill-tps", description = "Realistic: uncached prompt tokens prefilled per second (default: ${DEFAULT-VALUE}).")
    double prefillTps = 8000;
    @Option(names = "--decode-base-ms", description = "Realistic: fixed step time (default: ${DEFAULT-VALUE}).")
    double decodeBaseMs = 6.0;
    @Option(names = "--decode-per-req-ms", description = "Realistic: step time per running request (default: ${DEFAULT-VALUE}).")
    double decodePerReqMs = 0.35;
    @Option(names = "--prefill-chunk", description = "Realistic: prompt tokens prefilled per step (default: ${DEFAULT-VALUE}).")
    int prefillChunk = 2048;
    @Option(names = "--max-running", description = "Realistic: running-request cap (default: ${DEFAULT-VALUE}).")
    int maxRunning = 256;
    @Option(names = "--kv-tokens", description = "Realistic: KV capacity in tokens (default: ${DEFAULT-VALUE}).")
    long kvTokens = 524_288;
    @Option(names = "--block-size", description = "Realistic: prefix-cache block size in tokens (default: ${DEFAULT-VALUE}).")
    int blockSize = 16;
    @Option(names = "--prefix-cache", arity = "1", description = "Realistic: prefix cache on (default: ${DEFAULT-VALUE}).")
    boolean prefixCache = true;

    /** The options the flags describe. */
    MockWorkerOptions options() {
        return MockWorkerOptions.builder().host(host).httpBasePort(httpBasePort).httpCount(httpCount).model(model)
                .backend(backend).outputTokens(outputTokens).genMs(genMs).tokenDelayMs(tokenDelayMs)
                .embeddingDim(embeddingDim).engine(engine).prefillTps(prefillTps).decodeBaseMs(decodeBaseMs)
                .decodePerReqMs(decodePerReqMs).prefillChunk(prefillChunk).maxRunning(maxRunning).kvTokens(kvTokens)
                .blockSize(blockSize).prefixCache(prefixCache).build();
    }

    @Override
    public Integer call() throws InterruptedException {
        MockWorkerOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            System.err.println("mock-worker: " + e.getMessage());
            return 2;
        }
        long t0 = System.nanoTime();
        MockFleet fleet;
        try {
            fleet = MockFleet.start(options);
        } catch (IllegalStateException e) {
            System.err.println("mock-worker: " + e.getMessage());
            return 1;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fleet.close();
            stopped.countDown();
        }, "mock-worker-shutdown"));
        System.out.println(describe(fleet) + " (" + options.backend() + ", " + options.engine() + " engine, model " + options.model() + ", started in " + ms + " ms)");
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** One line per worker for small fleets, else "mock-worker: N workers on HOST:FIRST-LAST". */
    static String describe(MockFleet fleet) {
        int n = fleet.size();
        String host = fleet.options().host();
        if (n <= LIST_LIMIT) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                if (i > 0) sb.append('\n');
                sb.append("mock-worker: ").append(fleet.urls().get(i));
            }
            return sb.toString();
        }
        if (fleet.options().httpBasePort() > 0) {
            return "mock-worker: " + n + " workers on " + host + ":" + fleet.port(0) + "-" + fleet.port(n - 1);
        }
        return "mock-worker: " + n + " workers on " + host + " (ephemeral ports " + fleet.port(0) + ", ... " + fleet.port(n - 1) + ")";
    }

    /** Standalone entry point: {@code java -cp drover.jar io.drover.mock.MockWorkerCommand --http-count 64}. */
    public static void main(String[] args) {
        int rc = new CommandLine(new MockWorkerCommand()).execute(args);
        if (rc != 0) System.exit(rc);
    }
}
