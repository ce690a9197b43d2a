package io.drover.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

/**
 * Workload load generator for LLM gateways: sends a {@link Workloads} request stream (small chat,
 * generated shared prefix, or a Mooncake trace replay) to a gateway, or with {@code --oracle} straight to
 * the workers chosen by an {@link Oracle}, in an open loop (Poisson arrivals at {@code --rate}, or the
 * trace's own arrivals) or a closed loop ({@code --concurrency} senders). Streaming-aware: records TTFT,
 * inter-token latency, time per output token and end-to-end latency in HdrHistograms, plus output
 * tokens/s, the workers' cached tokens (prefix-cache hit rate), requests per worker and its coefficient
 * of variation, and the workers' {@code /get_loads} over time. Bounded by {@code --duration-secs} and
 * {@code --max-requests}; in-flight requests then get {@code --drain-secs} to finish.
 *
 * <p>Run from the command line ({@code bench/policies.sh}, or {@code java -cp ... io.drover.bench.WorkloadGen});
 * {@link #main} runs the dispatch loop on the main thread; every request runs on its own virtual thread
 * over a pooled keep-alive {@link StreamClient}. Writes a console table, {@code --json-out},
 * {@code --hlog} (HdrHistogram interval log) and {@code --html} ({@link Report}); a progress line goes to
 * stderr every 5 s.
 */
public final class WorkloadGen {
    private static final long HIGHEST = TimeUnit.HOURS.toMicros(1);

    private final WorkloadOptions o;
    private final List<Workloads.Item> items;
    private final Oracle oracle;
    private final List<URI> workers;
    private final Map<String, ConcurrentLinkedDeque<StreamClient>> pools = new ConcurrentHashMap<>();
    private final Recorder ttft = new Recorder(HIGHEST, 3);
    private final Recorder itl = new Recorder(HIGHEST, 3);
    private final Recorder tpot = new Recorder(HIGHEST, 3);
    private final Recorder e2e = new Recorder(HIGHEST, 3);
    private final Histogram ttftAll = new Histogram(HIGHEST, 3);
    private final Histogram itlAll = new Histogram(HIGHEST, 3);
    private final Histogram tpotAll = new Histogram(HIGHEST, 3);
    private final Histogram e2eAll = new Histogram(HIGHEST, 3);
    private final LongAdder sent = new LongAdder();
    private final LongAdder ok = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder outputTokens = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder cachedTokens = new LongAdder();
    private final AtomicLong inflight = new AtomicLong();
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> perWorkerPort = new ConcurrentHashMap<>();
    private final List<double[]> loadSamples = new ArrayList<>();
    private long t0;

    WorkloadGen(WorkloadOptions o, List<Workloads.Item> items) {
        this.o = o;
        this.items = items;
        this.workers = o.workerUrls();
        this.oracle = o.oracle() ? new Oracle(workers.size(), o.kvTokens(), o.blockSize(), o.oracleSlack()) : null;
    }

    public static void main(String[] args) throws Exception {
        WorkloadOptions o;
        try {
            o = WorkloadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("workloadgen: " + e.getMessage());
            System.err.println(WorkloadOptions.USAGE);
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.println(WorkloadOptions.USAGE);
            return;
        }
        Map<String, Object> r = new WorkloadGen(o, o.items()).run();
        System.out.print(table(r));
        if (o.jsonOut() != null) write(o.jsonOut(), JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(r) + "\n");
        if (o.html() != null) write(o.html(), Report.html(List.of(r)));
        long okN = ((Number) r.get("requests")).longValue();
        System.exit(okN == 0 ? 1 : 0);
    }

    static void write(Path p, String s) throws IOException {
        Path parent = p.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(p, s);
    }

    /** Runs the workload; returns the result document. */
    Map<String, Object> run() throws Exception {
        Map<Integer, Map<String, Object>> statsBefore = workerStats();
        t0 = System.nanoTime();
        long end = t0 + (long) (o.durationSecs() * 1e9);
        HistogramLogWriter hlog = null;
        PrintStream hlogOut = null;
        if (o.hlog() != null) {
            Path parent = o.hlog().toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            hlogOut = new PrintStream(Files.newOutputStream(o.hlog()), false);
            hlog = new HistogramLogWriter(hlogOut);
            hlog.outputLogFormatVersion();
            hlog.outputStartTime(System.currentTimeMillis());
            hlog.outputLegend();
        }
        final HistogramLogWriter log = hlog;
        Thread ticker = Thread.ofPlatform().daemon().name("workloadgen-tick").start(() -> tick(log));
        HttpClient http = workers.isEmpty() ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Thread sampler = http == null ? null : Thread.ofVirtual().name("workloadgen-loads").start(() -> sample(http));
        List<Thread> threads = o.closed() ? closedLoop(end) : openLoop(end);
        long drainUntil = Math.max(System.nanoTime(), end) + (long) (o.drainSecs() * 1e9);
        for (Thread t : threads) {
            long left = drainUntil - System.nanoTime();
            if (left > 0) t.join(Duration.ofNanos(left));
        }
        long unfinished = inflight.get();
        if (unfinished > 0) {
            errorKinds.computeIfAbsent("unfinished", k -> new LongAdder()).add(unfinished);
            errors.add(unfinished);
            pools.values().forEach(q -> q.forEach(StreamClient::close));
        }
        long stop = System.nanoTime();
        ticker.interrupt();
        ticker.join(2000);
        if (sampler != null) {
            sampler.interrupt();
            sampler.join(2000);
        }
        flush(log);
        if (hlogOut != null) hlogOut.close();
        Map<Integer, Map<String, Object>> statsAfter = workerStats();
        return result(stop, statsBefore, statsAfter);
    }

    private List<Thread> closedLoop(long end) {
        AtomicLong next = new AtomicLong();
        List<Thread> threads = new ArrayList<>(o.concurrency());
        for (int i = 0; i < o.concurrency(); i++) {
            long startAt = t0 + (long) (o.rampSecs() * 1e9 * i / o.concurrency());
            threads.add(Thread.ofVirtual().name("workloadgen-" + i).start(() -> {
                long left;
                while ((left = startAt - System.nanoTime()) > 0) {
                    try {
                        Thread.sleep(Duration.ofNanos(left));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                long k;
                while (System.nanoTime() < end && (k = next.getAndIncrement()) < o.maxRequests()) {
                    if (!o.cycle() && k >= items.size()) break;
                    send(items.get((int) (k % items.size())));
                }
            }));
        }
        return threads;
    }

    private List<Thread> openLoop(long end) throws InterruptedException {
        Random rnd = new Random(o.seed());
        Semaphore slots = new Semaphore(o.maxInflight());
        List<Thread> threads = new ArrayList<>();
        boolean trace = o.rate() <= 0;
        long at = t0;
        for (long k = 0; k < o.maxRequests(); k++) {
            if (!o.cycle() && k >= items.size()) break;
            Workloads.Item item = items.get((int) (k % items.size()));
            at = trace ? t0 + item.arrivalNanos() : at + (long) (-Math.log(1 - rnd.nextDouble()) / o.rate() * 1e9);
            if (at >= end) break;
            long left;
            while ((left = at - System.nanoTime()) > 0) Thread.sleep(Duration.ofNanos(left));
            slots.acquire();
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    send(item);
                } finally {
                    slots.release();
                }
            }));
        }
        return threads;
    }

    private void send(Workloads.Item item) {
        int w = -1;
        List<String[]> messages = item.messages();
        String key;
        String host;
        int port;
        if (oracle != null) {
            w = oracle.pick(Workloads.Item.blocks(messages, o.blockSize()));
            URI u = workers.get(w);
            host = u.getHost();
            port = u.getPort();
        } else {
            host = o.url().getHost();
            port = o.url().getPort();
        }
        key = host + ":" + port;
        ConcurrentLinkedDeque<StreamClient> pool = pools.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
        StreamClient c = pool.poll();
        if (c == null) c = new StreamClient(host, port, o.timeoutMillis());
        byte[] req = c.request(o.path(), item.body(o.model(), o.stream(), messages));
        StreamClient.Result r = new StreamClient.Result();
        sent.increment();
        inflight.incrementAndGet();
        String error = null;
        long start = System.nanoTime();
        try {
            c.exchange(req, r);
            if (r.status != 200) error = "http_" + r.status;
            else if (o.stream() && !r.sawDone) error = "stream_without_done";
        } catch (IOException e) {
            error = e.getClass().getSimpleName();
        } finally {
            if (oracle != null) oracle.done(w);
        }
        long done = System.nanoTime();
        inflight.decrementAndGet();
        pool.add(c);
        if (error != null) {
            errors.increment();
            errorKinds.computeIfAbsent(error, k -> new LongAdder()).increment();
            return;
        }
        ok.increment();
        e2e.recordValue(Math.min(HIGHEST, (done - start) / 1000));
        long first = r.firstTokenNanos == 0 ? done : r.firstTokenNanos;
        ttft.recordValue(Math.min(HIGHEST, Math.max(0, first - start) / 1000));
        for (int i = 1; i < r.tokenEvents; i++) {
            itl.recordValue(Math.min(HIGHEST, Math.max(0, r.tokenNanos[i] - r.tokenNanos[i - 1]) / 1000));
        }
        int out = r.completionTokens >= 0 ? r.completionTokens : r.tokenEvents;
        if (o.stream() && out > 1) tpot.recordValue(Math.min(HIGHEST, (done - first) / 1000 / (out - 1)));
        outputTokens.add(Math.max(0, out));
        if (r.promptTokens > 0) promptTokens.add(r.promptTokens);
        if (r.cachedTokens > 0) cachedTokens.add(r.cachedTokens);
        int wp = oracle != null ? workers.get(w).getPort() : r.workerPort;
        if (wp > 0) perWorkerPort.computeIfAbsent(wp, k -> new LongAdder()).increment();
    }

    private void tick(HistogramLogWriter log) {
        long nextProgress = System.nanoTime() + 5_000_000_000L;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            flush(log);
            if (System.nanoTime() >= nextProgress) {
                nextProgress += 5_000_000_000L;
                synchronized (ttftAll) {
                    System.err.printf(Locale.ROOT, "[%s %5.0fs] sent=%d ok=%d err=%d inflight=%d ttft p50=%.1fms p99=%.1fms e2e p50=%.1fms%n",
                            o.label() == null ? "workloadgen" : o.label(), (System.nanoTime() - t0) / 1e9, sent.sum(), ok.sum(),
                            errors.sum(), inflight.get(), ttftAll.getValueAtPercentile(50) / 1e3,
                            ttftAll.getValueAtPercentile(99) / 1e3, e2eAll.getValueAtPercentile(50) / 1e3);
                }
            }
        }
    }

    private void flush(HistogramLogWriter log) {
        synchronized (ttftAll) {
            String[] tags = {"ttft", "itl", "tpot", "e2e"};
            Recorder[] recs = {ttft, itl, tpot, e2e};
            Histogram[] all = {ttftAll, itlAll, tpotAll, e2eAll};
            double start = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < recs.length; i++) {
                Histogram h = recs[i].getIntervalHistogram();
                all[i].add(h);
                if (log != null && h.getTotalCount() > 0) {
                    h.setTag(tags[i]);
                    h.setStartTimeStamp(System.currentTimeMillis() - 1000);
                    h.setEndTimeStamp(System.currentTimeMillis());
                    log.outputIntervalHistogram(start, 1.0, h, 1000.0);
                }
            }
        }
    }

    private void sample(HttpClient http) {
        while (!Thread.currentThread().isInterrupted()) {
            double t = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < workers.size(); i++) {
                try {
                    String body = http.send(HttpRequest.newBuilder(workers.get(i).resolve("/get_loads"))
                            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString()).body();
                    Map<String, Object> m = JSON.std.mapFrom(body);
                    Map<?, ?> l = (Map<?, ?>) ((List<?>) m.get("loads")).getFirst();
                    double[] s = {t, i, num(l.get("num_running_reqs")), num(l.get("num_waiting_reqs")), num(l.get("token_usage"))};
                    synchronized (loadSamples) {
                        loadSamples.add(s);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    // a missed sample
                }
            }
            try {
                Thread.sleep(o.sampleMs());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    private Map<Integer, Map<String, Object>> workerStats() {
        Map<Integer, Map<String, Object>> m = new LinkedHashMap<>();
        if (workers.isEmpty()) return m;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        for (int i = 0; i < workers.size(); i++) {
            try {
                String body = http.send(HttpRequest.newBuilder(workers.get(i).resolve("/mock/stats"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
                m.put(i, JSON.std.mapFrom(body));
            } catch (IOException | InterruptedException | RuntimeException e) {
                m.put(i, Map.of());
            }
        }
        return m;
    }

    private Map<String, Object> result(long stop, Map<Integer, Map<String, Object>> before,
                                       Map<Integer, Map<String, Object>> after) {
        double secs = Math.max(1e-9, (stop - t0) / 1e9);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("label", o.label());
        r.put("target", o.oracle() ? "oracle" : String.valueOf(o.url()));
        r.put("workload", o.workload());
        r.put("mode", o.closed() ? "closed" : "open");
        r.put("rate", o.rate());
        r.put("concurrency", o.concurrency());
        r.put("stream", o.stream());
        r.put("startedAt", Instant.now().minusNanos(stop - t0).toString());
        r.put("seconds", LoadGen.round(secs, 3));
        r.put("sent", sent.sum());
        r.put("requests", ok.sum());
        r.put("errors", errors.sum());
        Map<String, Long> kinds = new LinkedHashMap<>();
        errorKinds.forEach((k, v) -> kinds.put(k, v.sum()));
        r.put("errorKinds", kinds);
        r.put("requestsPerSec", LoadGen.round(ok.sum() / secs, 2));
        r.put("outputTokensPerSec", LoadGen.round(outputTokens.sum() / secs, 1));
        r.put("promptTokens", promptTokens.sum());
        r.put("cachedTokens", cachedTokens.sum());
        r.put("cacheHitRate", promptTokens.sum() == 0 ? 0 : LoadGen.round((double) cachedTokens.sum() / promptTokens.sum(), 4));
        r.put("ttftMillis", pct(ttftAll));
        r.put("itlMillis", pct(itlAll));
        r.put("tpotMillis", pct(tpotAll));
        r.put("e2eMillis", pct(e2eAll));
        r.put("ttftCdf", cdf(ttftAll));
        r.put("e2eCdf", cdf(e2eAll));
        List<Long> perWorker = new ArrayList<>();
        if (!workers.isEmpty()) {
            for (URI u : workers) perWorker.add(perWorkerPort.getOrDefault(u.getPort(), new LongAdder()).sum());
            List<Map<String, Object>> ws = new ArrayList<>();
            for (int i = 0; i < workers.size(); i++) {
                Map<String, Object> a = after.getOrDefault(i, Map.of());
                Map<String, Object> b = before.getOrDefault(i, Map.of());
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("url", workers.get(i).toString());
                w.put("requests", perWorker.get(i));
                w.put("workerRequests", (long) num(a.get("requests")) - (long) num(b.get("requests")));
                w.put("promptTokens", (long) num(a.get("prompt_tokens")) - (long) num(b.get("prompt_tokens")));
                w.put("cachedTokens", (long) num(a.get("cached_tokens")) - (long) num(b.get("cached_tokens")));
                ws.add(w);
            }
            r.put("workers", ws);
        } else {
            perWorkerPort.values().forEach(v -> perWorker.add(v.sum()));
        }
        r.put("requestsPerWorker", perWorker);
        r.put("loadCv", LoadGen.round(cv(perWorker), 4));
        synchronized (loadSamples) {
            r.put("loadSamples", new ArrayList<>(loadSamples));
        }
        return r;
    }

    static double cv(List<Long> xs) {
        if (xs.isEmpty()) return 0;
        double mean = xs.stream().mapToLong(Long::longValue).average().orElse(0);
        if (mean == 0) return 0;
        double var = xs.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / xs.size();
        return Math.sqrt(var) / mean;
    }

    private static Map<String, Object> pct(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("mean", h.getTotalCount() == 0 ? 0 : LoadGen.round(h.getMean() / 1e3, 3));
        for (double p : new double[] {50, 90, 99, 99.9}) {
            m.put("p" + (p == 99.9 ? "999" : String.valueOf((int) p)), LoadGen.round(h.getValueAtPercentile(p) / 1e3, 3));
        }
        m.put("max", LoadGen.round(h.getMaxValue() / 1e3, 3));
        return m;
    }

    private static List<double[]> cdf(Histogram h) {
        List<double[]> pts = new ArrayList<>();
        if (h.getTotalCount() == 0) return pts;
        for (double p = 0; p <= 100.0001; p += p < 90 ? 2 : (p < 99 ? 0.5 : 0.1)) {
            pts.add(new double[] {LoadGen.round(p, 1), LoadGen.round(h.getValueAtPercentile(Math.min(100, p)) / 1e3, 3)});
        }
        return pts;
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n%s  %s  %s %s loop  stream=%s%n", r.get("label"), r.get("target"),
                r.get("workload"), r.get("mode"), r.get("stream")));
        sb.append(String.format(Locale.ROOT, "  requests=%s errors=%s %s  req/s=%s  out tok/s=%s  cache hit=%s  load CV=%s  per worker=%s%n",
                r.get("requests"), r.get("errors"), r.get("errorKinds"), r.get("requestsPerSec"), r.get("outputTokensPerSec"),
                r.get("cacheHitRate"), r.get("loadCv"), r.get("requestsPerWorker")));
        sb.append(String.format(Locale.ROOT, "  %-5s %10s %10s %10s %10s %10s %10s %8s%n", "ms", "mean", "p50", "p90", "p99", "p99.9", "max", "count"));
        for (String k : List.of("ttftMillis", "itlMillis", "tpotMillis", "e2eMillis")) {
            Map<String, Object> p = (Map<String, Object>) r.get(k);
            sb.append(String.format(Locale.ROOT, "  %-5s %10s %10s %10s %10s %10s %10s %8s%n", k.substring(0, k.length() - 6),
                    p.get("mean"), p.get("p50"), p.get("p90"), p.get("p99"), p.get("p999"), p.get("max"), p.get("count")));
        }
        return sb.toString();
    }
}
