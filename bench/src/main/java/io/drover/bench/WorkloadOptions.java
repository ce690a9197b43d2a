package io.drover.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Parsed command line of {@link WorkloadGen}; {@link #items()} builds the request stream. Immutable. */
record WorkloadOptions(URI url, String path, String workload, boolean closed, double rate, int concurrency,
                       boolean stream, double durationSecs, long maxRequests, double drainSecs, int maxInflight,
                       String model, int outputLen, int gspGroups, int gspPrompts, int gspSystemLen, int gspQuestionLen,
                       Path trace, double timeScale, int maxOutput, List<URI> workerUrls, boolean oracle, int oracleSlack,
                       long kvTokens, int blockSize, String label, Path jsonOut, Path hlog, Path html, int sampleMs,
                       long seed, int timeoutMillis, double rampSecs) {

    static final String USAGE = """
            usage: WorkloadGen (--url http://127.0.0.1:PORT | --oracle) [options]
              --workload chat|gsp|mooncake   request stream (default chat)
              --mode open|closed             open: Poisson at --rate (mooncake without --rate: trace arrivals); closed: --concurrency senders
              --rate R  --concurrency C      (defaults 10 req/s, 16)
              --stream                       streamed answers (TTFT, ITL from SSE events)
              --duration-secs S --max-requests N --drain-secs S   bounds (defaults 30, unlimited, 30)
              --max-inflight N               open loop: cap on requests in flight (default 4096)
              --path P --model M             (defaults /v1/chat/completions, mock-model)
              --output-len N                 chat/gsp output tokens (default 64; chat 8)
              --gsp-groups G --gsp-prompts P --gsp-system-len S --gsp-question-len Q   (defaults 16, 16, 1024, 64)
              --trace FILE --time-scale X --max-output N   mooncake (defaults ../shared/data/mooncake/conversation_trace.jsonl from the repo root, 1, 0=no cap)
              --worker-urls U1,U2,...        workers: per-worker stats, load sampling, oracle targets
              --oracle [--oracle-slack K]    route in the load generator by the longest cached prefix (default slack 4)
              --kv-tokens N --block-size B   oracle's cache model (defaults 524288, 16)
              --ramp-secs S                  closed loop: start the senders evenly over S seconds (default 0)
              --label L --json-out F --hlog F --html F --sample-ms MS (default 500) --seed N --timeout-secs S""";

    static WorkloadOptions parse(String[] a) {
        URI url = null;
        String path = "/v1/chat/completions", workload = "chat", model = "mock-model", label = null;
        boolean closed = false, stream = false, oracle = false;
        double rate = 10, duration = 30, drain = 30, timeScale = 1, ramp = 0;
        int concurrency = 16, maxInflight = 4096, outputLen = -1, groups = 16, prompts = 16, sysLen = 1024, qLen = 64;
        int maxOutput = 0, slack = 4, blockSize = 16, sampleMs = 500, timeout = 120_000;
        long maxRequests = Long.MAX_VALUE, kvTokens = 524_288, seed = 1;
        Path trace = Path.of("..", "shared", "data", "mooncake", "conversation_trace.jsonl"), jsonOut = null, hlog = null, html = null;
        boolean rateGiven = false;
        List<URI> workers = new ArrayList<>();
        for (int i = 0; i < a.length; i++) {
            String f = a[i];
            switch (f) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--stream" -> stream = true;
                case "--oracle" -> oracle = true;
                case "--url" -> url = URI.create(v(a, ++i, f));
                case "--path" -> path = v(a, ++i, f);
                case "--workload" -> workload = v(a, ++i, f);
                case "--mode" -> closed = switch (v(a, ++i, f)) {
                    case "closed" -> true;
                    case "open" -> false;
                    default -> throw new IllegalArgumentException("--mode open|closed");
                };
                case "--rate" -> {
                    rate = Double.parseDouble(v(a, ++i, f));
                    rateGiven = true;
                }
                case "--concurrency" -> concurrency = Integer.parseInt(v(a, ++i, f));
                case "--duration-secs" -> duration = Double.parseDouble(v(a, ++i, f));
                case "--max-requests" -> maxRequests = Long.parseLong(v(a, ++i, f));
                case "--drain-secs" -> drain = Double.parseDouble(v(a, ++i, f));
                case "--max-inflight" -> maxInflight = Integer.parseInt(v(a, ++i, f));
                case "--model" -> model = v(a, ++i, f);
                case "--output-len" -> outputLen = Integer.parseInt(v(a, ++i, f));
                case "--gsp-groups" -> groups = Integer.parseInt(v(a, ++i, f));
                case "--gsp-prompts" -> prompts = Integer.parseInt(v(a, ++i, f));
                case "--gsp-system-len" -> sysLen = Integer.parseInt(v(a, ++i, f));
                case "--gsp-question-len" -> qLen = Integer.parseInt(v(a, ++i, f));
                case "--trace" -> trace = Path.of(v(a, ++i, f));
                case "--time-scale" -> timeScale = Double.parseDouble(v(a, ++i, f));
                case "--max-output" -> maxOutput = Integer.parseInt(v(a, ++i, f));
                case "--worker-urls" -> {
                    for (String s : v(a, ++i, f).split(",")) if (!s.isBlank()) workers.add(URI.create(s.trim()));
                }
                case "--oracle-slack" -> slack = Integer.parseInt(v(a, ++i, f));
                case "--kv-tokens" -> kvTokens = Long.parseLong(v(a, ++i, f));
                case "--block-size" -> blockSize = Integer.parseInt(v(a, ++i, f));
                case "--label" -> label = v(a, ++i, f);
                case "--json-out" -> jsonOut = Path.of(v(a, ++i, f));
                case "--hlog" -> hlog = Path.of(v(a, ++i, f));
                case "--html" -> html = Path.of(v(a, ++i, f));
                case "--sample-ms" -> sampleMs = Integer.parseInt(v(a, ++i, f));
                case "--ramp-secs" -> ramp = Double.parseDouble(v(a, ++i, f));
                case "--seed" -> seed = Long.parseLong(v(a, ++i, f));
                case "--timeout-secs" -> timeout = (int) (Double.parseDouble(v(a, ++i, f)) * 1000);
                default -> throw new IllegalArgumentException("unknown option " + f);
            }
        }
        if (!List.of("chat", "gsp", "mooncake").contains(workload)) throw new IllegalArgumentException("--workload chat|gsp|mooncake");
        if (oracle && workers.isEmpty()) throw new IllegalArgumentException("--oracle needs --worker-urls");
        if (!oracle && url == null) throw new IllegalArgumentException("--url (or --oracle) is required");
        if (url != null && !"http".equals(url.getScheme())) throw new IllegalArgumentException("only http:// URLs");
        if (!(duration > 0) || duration > 3600 || concurrency < 1 || concurrency > 100_000 || maxInflight < 1
                || maxRequests < 1 || !(timeScale > 0) || drain < 0) {
            throw new IllegalArgumentException("a bound is out of range");
        }
        if (outputLen < 0) outputLen = workload.equals("chat") ? 8 : 64;
        // open loop over the trace follows the trace's arrivals unless a rate is given
        if (!closed && workload.equals("mooncake") && !rateGiven) rate = 0;
        if (!closed && !workload.equals("mooncake") && !(rate > 0)) throw new IllegalArgumentException("--rate must be > 0");
        return new WorkloadOptions(url, path, workload, closed, rate, concurrency, stream, duration, maxRequests, drain,
                maxInflight, model, outputLen, groups, prompts, sysLen, qLen, trace, timeScale, maxOutput, List.copyOf(workers),
                oracle, slack, kvTokens, blockSize, label, jsonOut, hlog, html, sampleMs, seed, timeout, ramp);
    }

    private static String v(String[] a, int i, String flag) {
        if (i >= a.length) throw new IllegalArgumentException(flag + " needs a value");
        return a[i];
    }

    /** Whether the item list repeats (chat and gsp) or ends (the trace). */
    boolean cycle() {
        return !workload.equals("mooncake");
    }

    /** The request stream this run sends. */
    List<Workloads.Item> items() throws IOException {
        return switch (workload) {
            case "gsp" -> Workloads.generatedSharedPrefix(gspGroups, gspPrompts, gspSystemLen, gspQuestionLen, outputLen, seed);
            case "mooncake" -> Workloads.mooncake(trace, (int) Math.min(Integer.MAX_VALUE, maxRequests), timeScale, maxOutput);
            default -> Workloads.chat(outputLen);
        };
    }
}
