package io.drover.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop HTTP load generator for {@code /v1/chat/completions}: {@code --concurrency} virtual
 * threads, each owning one keep-alive TCP connection ({@link RawHttpClient}), send the same request
 * back to back for {@code --warmup-secs} (discarded) and then until {@code --duration-secs} pass or
 * {@code --max-requests} measured requests have been sent, whichever comes first. End-to-end latency
 * and time to first body byte (for {@code --stream}: to the first SSE event) go into per-thread
 * HdrHistograms, merged at the end; so does the time until the response headers were read
 * ({@code headers}), which for a proxy that commits headers early differs from the first event. Prints a table and optionally writes {@code --json-out}.
 *
 * <p>Run from the command line ({@code bench/run-loadgen.sh} or {@code java -cp ... io.drover.bench.LoadGen});
 * {@link #main} runs on the main thread, which starts the virtual threads and joins them. With
 * {@code --cpu-pid NAME=PID} it samples {@code /proc/PID/stat} (utime+stime) at the start and end of
 * the measured window and reports CPU microseconds per measured request for that process.
 */
public final class LoadGen {
    static final String DEFAULT_BODY =
            "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],\"max_tokens\":8}";
    static final String DEFAULT_STREAM_BODY =
            "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],\"max_tokens\":8,\"stream\":true}";
    private static final long HIGHEST_NANOS = 3_600_000_000_000L;

    /** Parsed command line. */
    record Options(URI url, int concurrency, double durationSecs, long maxRequests, double warmupSecs, boolean stream,
                   String body, Path jsonOut, String label, int timeoutMillis, Map<String, Long> cpuPids,
                   int clkTck) {}

    /** One worker thread's tallies; only its own thread writes them until it ends. */
    private static final class Tally {
        final Histogram e2e = new Histogram(HIGHEST_NANOS, 3);
        final Histogram ttfb = new Histogram(HIGHEST_NANOS, 3);
        final Histogram headers = new Histogram(HIGHEST_NANOS, 3);
        long ok;
        long errors;
        long warmupRequests;
        long events;
        long bytes;
        long connections;
    }

    private LoadGen() {}

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("loadgen: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.println(usage());
            return;
        }
        Map<String, Object> result = run(o);
        System.out.print(table(o, result));
        if (o.jsonOut() != null) {
            Path parent = o.jsonOut().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(o.jsonOut(), JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(result) + "\n");
        }
        long errors = ((Number) result.get("errors")).longValue();
        long ok = ((Number) result.get("requests")).longValue();
        if (ok == 0 || errors > ok / 100) {
            System.exit(1); // more than 1% errors: the figures are not to be trusted
        }
    }

    static String usage() {
        return """
                usage: LoadGen --url http://127.0.0.1:PORT/v1/chat/completions [options]
                  --concurrency N        connections = virtual threads (default 64)
                  --duration-secs S      measured time limit (default 10)
                  --max-requests N       measured request limit (default unlimited; whichever comes first)
                  --warmup-secs S        discarded warm-up before measuring (default 2)
                  --stream               send "stream": true (default body) and expect SSE ending in [DONE]
                  --body JSON | @FILE    request body (default: a small mock-model chat, max_tokens 8)
                  --json-out FILE        also write the results as JSON
                  --label TEXT           a name stored in the JSON (e.g. direct-c64)
                  --timeout-secs S       connect/read timeout (default 30)
                  --cpu-pid NAME=PID     report CPU us/request of that process (repeatable)
                  --clk-tck N            clock ticks per second of /proc/PID/stat (default 100)""";
    }

    static Options parse(String[] args) throws IOException {
        URI url = null;
        int concurrency = 64;
        double duration = 10;
        long maxRequests = Long.MAX_VALUE;
        double warmup = 2;
        boolean stream = false;
        String body = null;
        Path jsonOut = null;
        String label = null;
        int timeoutMillis = 30_000;
        int clkTck = 100;
        Map<String, Long> cpu = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--stream" -> stream = true;
                case "--url" -> url = URI.create(next(args, ++i, a));
                case "--concurrency" -> concurrency = Integer.parseInt(next(args, ++i, a));
                case "--duration-secs" -> duration = Double.parseDouble(next(args, ++i, a));
                case "--max-requests" -> maxRequests = Long.parseLong(next(args, ++i, a));
                case "--warmup-secs" -> warmup = Double.parseDouble(next(args, ++i, a));
                case "--body" -> {
                    String v = next(args, ++i, a);
                    body = v.startsWith("@") ? Files.readString(Path.of(v.substring(1))) : v;
                }
                case "--json-out" -> jsonOut = Path.of(next(args, ++i, a));
                case "--label" -> label = next(args, ++i, a);
                case "--timeout-secs" -> timeoutMillis = (int) (Double.parseDouble(next(args, ++i, a)) * 1000);
                case "--clk-tck" -> clkTck = Integer.parseInt(next(args, ++i, a));
                case "--cpu-pid" -> {
                    String v = next(args, ++i, a);
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--cpu-pid wants NAME=PID, got " + v);
                    }
                    cpu.put(v.substring(0, eq), Long.parseLong(v.substring(eq + 1)));
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("--url is required");
        }
        if (concurrency < 1 || concurrency > 10_000) {
            throw new IllegalArgumentException("--concurrency must be 1..10000");
        }
        if (!(duration > 0) || duration > 3600) {
            throw new IllegalArgumentException("--duration-secs must be in (0, 3600]");
        }
        if (warmup < 0 || warmup > 3600 || maxRequests < 1 || timeoutMillis < 1) {
            throw new IllegalArgumentException("--warmup-secs, --max-requests or --timeout-secs out of range");
        }
        if (body == null) {
            body = stream ? DEFAULT_STREAM_BODY : DEFAULT_BODY;
        }
        return new Options(url, concurrency, duration, maxRequests, warmup, stream, body, jsonOut, label,
                timeoutMillis, cpu, clkTck);
    }

    private static String next(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** Runs the load and returns the result document (the JSON written by {@code --json-out}). */
    static Map<String, Object> run(Options o) throws InterruptedException {
        byte[] body = o.body().getBytes(StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        long measureStart = t0 + (long) (o.warmupSecs() * 1e9);
        long measureEnd = measureStart + (long) (o.durationSecs() * 1e9);
        AtomicLong budget = new AtomicLong(o.maxRequests());
        Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
        List<Tally> tallies = new ArrayList<>(o.concurrency());
        List<Thread> threads = new ArrayList<>(o.concurrency());
        Map<String, long[]> cpuStart = new LinkedHashMap<>();
        long[] selfCpu = new long[2];
        long[][] machine = new long[2][];
        Thread sampler = Thread.ofPlatform().daemon().name("loadgen-cpu").start(() -> {
            sleepUntil(measureStart);
            for (Map.Entry<String, Long> e : o.cpuPids().entrySet()) {
                cpuStart.put(e.getKey(), new long[] {cpuTicks(e.getValue())});
            }
            selfCpu[0] = processCpuNanos();
            machine[0] = machineTicks();
        });
        for (int i = 0; i < o.concurrency(); i++) {
            Tally t = new Tally();
            tallies.add(t);
            threads.add(Thread.ofVirtual().name("loadgen-" + i).start(
                    () -> loop(o, body, t, measureStart, measureEnd, budget, errorKinds)));
        }
        for (Thread t : threads) {
            t.join();
        }
        long end = System.nanoTime();
        sampler.join();
        selfCpu[1] = processCpuNanos();
        machine[1] = machineTicks();
        Map<String, Long> cpuEnd = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : o.cpuPids().entrySet()) {
            cpuEnd.put(e.getKey(), cpuTicks(e.getValue()));
        }

        Histogram e2e = new Histogram(HIGHEST_NANOS, 3);
        Histogram ttfb = new Histogram(HIGHEST_NANOS, 3);
        Histogram headers = new Histogram(HIGHEST_NANOS, 3);
        long ok = 0, errors = 0, warm = 0, events = 0, bytes = 0, conns = 0;
        for (Tally t : tallies) {
            e2e.add(t.e2e);
            ttfb.add(t.ttfb);
            headers.add(t.headers);
            ok += t.ok;
            errors += t.errors;
            warm += t.warmupRequests;
            events += t.events;
            bytes += t.bytes;
            conns += t.connections;
        }
        double secs = Math.max(1e-9, (end - Math.max(measureStart, t0)) / 1e9);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("label", o.label());
        r.put("url", o.url().toString());
        r.put("concurrency", o.concurrency());
        r.put("stream", o.stream());
        r.put("startedAt", Instant.now().minusNanos(end - t0).toString());
        r.put("warmupSecs", o.warmupSecs());
        r.put("measuredSecs", round(secs, 3));
        r.put("requests", ok);
        r.put("errors", errors);
        Map<String, Long> kinds = new LinkedHashMap<>();
        errorKinds.forEach((k, v) -> kinds.put(k, v.sum()));
        r.put("errorKinds", kinds);
        r.put("warmupRequests", warm);
        r.put("requestsPerSec", round(ok / secs, 1));
        r.put("connectionsOpened", conns);
        r.put("sseEventsPerRequest", ok == 0 ? 0 : round((double) events / ok, 2));
        r.put("bodyBytesPerRequest", ok == 0 ? 0 : round((double) bytes / ok, 1));
        r.put("e2eMicros", percentiles(e2e));
        r.put("ttfbMicros", percentiles(ttfb));
        r.put("headersMicros", percentiles(headers));
        Map<String, Object> cpu = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : o.cpuPids().entrySet()) {
            long[] s = cpuStart.get(e.getKey());
            long a = s == null ? -1 : s[0];
            long b = cpuEnd.get(e.getKey());
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("pid", e.getValue());
            if (a < 0 || b < 0) {
                c.put("error", "could not read /proc/" + e.getValue() + "/stat");
            } else {
                double cpuSecs = (double) (b - a) / o.clkTck();
                c.put("cpuSecs", round(cpuSecs, 3));
                c.put("cpuMicrosPerRequest", ok == 0 ? 0 : round(cpuSecs * 1e6 / ok, 1));
                c.put("coresBusy", round(cpuSecs / secs, 3));
            }
            cpu.put(e.getKey(), c);
        }
        Map<String, Object> self = new LinkedHashMap<>();
        double selfSecs = (selfCpu[1] - selfCpu[0]) / 1e9;
        self.put("cpuSecs", round(selfSecs, 3));
        self.put("cpuMicrosPerRequest", ok == 0 ? 0 : round(selfSecs * 1e6 / ok, 1));
        self.put("coresBusy", round(selfSecs / secs, 3));
        cpu.put("loadgen", self);
        if (machine[0] != null && machine[1] != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            double busy = (double) (machine[1][0] - machine[0][0]) / o.clkTck();
            double all = (double) (machine[1][1] - machine[0][1]) / o.clkTck();
            m.put("cpuSecs", round(busy, 3));
            m.put("coresBusy", round(busy / secs, 3));
            m.put("busyFraction", all <= 0 ? 0 : round(busy / all, 3));
            cpu.put("machine", m);
        }
        r.put("cpu", cpu);
        return r;
    }

    private static void loop(Options o, byte[] body, Tally t, long measureStart, long measureEnd, AtomicLong budget,
                             Map<String, LongAdder> errorKinds) {
        RawHttpClient.Result res = new RawHttpClient.Result();
        try (RawHttpClient c = new RawHttpClient(o.url(), body, o.timeoutMillis())) {
            while (true) {
                long start = System.nanoTime();
                if (start >= measureEnd) {
                    break;
                }
                boolean measured = start >= measureStart;
                if (measured && budget.getAndDecrement() <= 0) {
                    break;
                }
                String error = null;
                try {
                    c.exchange(res);
                    if (res.status != 200) {
                        error = "http_" + res.status;
                    } else if (o.stream() && !res.sawDone) {
                        error = "stream_without_done";
                    }
                } catch (IOException e) {
                    error = e.getClass().getSimpleName();
                }
                long end = System.nanoTime();
                if (!measured) {
                    t.warmupRequests++;
                } else if (error != null) {
                    t.errors++;
                    errorKinds.computeIfAbsent(error, k -> new LongAdder()).increment();
                } else {
                    t.ok++;
                    t.e2e.recordValue(Math.min(HIGHEST_NANOS, end - start));
                    long fb = res.firstByteNanos == 0 ? end : res.firstByteNanos;
                    t.ttfb.recordValue(Math.min(HIGHEST_NANOS, Math.max(0, fb - start)));
                    t.headers.recordValue(Math.min(HIGHEST_NANOS, Math.max(0, res.headersNanos - start)));
                    t.events += res.events;
                    t.bytes += res.bodyBytes;
                }
                if (error != null && res.status == 0) {
                    sleepQuietly(10); // a refused/broken connection: do not spin
                }
            }
            t.connections = c.connectionsOpened();
        }
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("mean", h.getTotalCount() == 0 ? 0 : round(h.getMean() / 1e3, 1));
        m.put("p50", micros(h, 50));
        m.put("p90", micros(h, 90));
        m.put("p99", micros(h, 99));
        m.put("p999", micros(h, 99.9));
        m.put("max", h.getTotalCount() == 0 ? 0 : round(h.getMaxValue() / 1e3, 1));
        return m;
    }

    private static double micros(Histogram h, double p) {
        return h.getTotalCount() == 0 ? 0 : round(h.getValueAtPercentile(p) / 1e3, 1);
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** utime+stime of {@code pid} in clock ticks, or -1 when unreadable. */
    static long cpuTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the command name (field 2) may hold spaces: fields are counted after its closing ')'
            String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of the whole line
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {busy, total} clock ticks of all CPUs from /proc/stat, or null when unreadable. */
    static long[] machineTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).getFirst();
            String[] f = first.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle + iowait
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    private static void sleepUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("unchecked")
    static String table(Options o, Map<String, Object> r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n%s  %s  concurrency=%d stream=%s%n",
                o.label() == null ? "loadgen" : o.label(), o.url(), o.concurrency(), o.stream()));
        sb.append(String.format(Locale.ROOT, "  requests=%s errors=%s %s  req/s=%s  measured=%ss  connections=%s%n",
                r.get("requests"), r.get("errors"), r.get("errorKinds"), r.get("requestsPerSec"),
                r.get("measuredSecs"), r.get("connectionsOpened")));
        sb.append(String.format(Locale.ROOT, "  %-7s %10s %10s %10s %10s %10s %10s %10s%n",
                "us", "mean", "p50", "p90", "p99", "p99.9", "max", "count"));
        for (String k : List.of("e2eMicros", "ttfbMicros", "headersMicros")) {
            Map<String, Object> p = (Map<String, Object>) r.get(k);
            sb.append(String.format(Locale.ROOT, "  %-7s %10s %10s %10s %10s %10s %10s %10s%n",
                    k.substring(0, k.length() - 6), p.get("mean"), p.get("p50"), p.get("p90"), p.get("p99"),
                    p.get("p999"), p.get("max"), p.get("count")));
        }
        Map<String, Object> cpu = (Map<String, Object>) r.get("cpu");
        for (Map.Entry<String, Object> e : cpu.entrySet()) {
            sb.append("  cpu ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        return sb.toString();
    }
}
