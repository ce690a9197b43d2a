package io.drover.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Pairs the {@link LoadGen} JSON results of one {@code bench/proxy-overhead.sh} run and prints
 * Markdown tables: per scenario and round, direct vs through-Drover throughput, latency
 * percentiles, their ratios and differences, and CPU per request. Result labels have the form
 * {@code SCENARIO.TARGET.ROUND} with TARGET {@code direct} or {@code drover}; others are ignored.
 *
 * <p>Called by {@code bench/proxy-overhead.sh} after the runs, on the main thread:
 * {@code java -cp ... io.drover.bench.Summary bench/results}.
 */
public final class Summary {
    private Summary() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "bench/results");
        Map<String, Map<String, Object>> byLabel = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                Map<String, Object> doc = JSON.std.mapFrom(Files.readString(p));
                if (doc.get("label") instanceof String label && label.split("\\.").length == 3) {
                    byLabel.put(label, doc);
                }
            }
        }
        System.out.print(render(byLabel));
    }

    static String render(Map<String, Map<String, Object>> byLabel) {
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : byLabel.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            if (!parts[1].equals("direct")) {
                continue;
            }
            Map<String, Object> direct = e.getValue();
            Map<String, Object> drover = byLabel.get(parts[0] + ".drover." + parts[2]);
            if (drover == null) {
                continue;
            }
            rows.add(new String[] {parts[0], parts[2], label(direct), label(drover)});
        }
        StringBuilder sb = new StringBuilder();
        sb.append("\n### Throughput and end-to-end latency (µs)\n\n");
        sb.append("| scenario | round | direct req/s | Drover req/s | ratio | direct p50 | Drover p50 | +p50 | "
                + "direct p99 | Drover p99 | +p99 | p99 ratio | errors d/D | Drover CPU µs/req | machine busy d/D |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String[] r : rows) {
            Map<String, Object> d = byLabel.get(r[2]);
            Map<String, Object> x = byLabel.get(r[3]);
            double dr = num(d, "requestsPerSec"), xr = num(x, "requestsPerSec");
            double d50 = pct(d, "e2eMicros", "p50"), x50 = pct(x, "e2eMicros", "p50");
            double d99 = pct(d, "e2eMicros", "p99"), x99 = pct(x, "e2eMicros", "p99");
            sb.append(String.format(Locale.ROOT,
                    "| %s | %s | %.0f | %.0f | %.2f | %.0f | %.0f | %+.0f | %.0f | %.0f | %+.0f | %.2f | %s/%s | %s | %s/%s |%n",
                    r[0], r[1], dr, xr, xr / dr, d50, x50, x50 - d50, d99, x99, x99 - d99, x99 / d99,
                    fmt(num(d, "errors")), fmt(num(x, "errors")), cpuPerReq(x, "drover"),
                    machineBusy(d), machineBusy(x)));
        }
        sb.append("\n### Time to first SSE event (streamed requests, µs)\n\n");
        sb.append("| scenario | round | direct p50 | Drover p50 | +p50 (ms) | direct p99 | Drover p99 | +p99 (ms) | "
                + "Drover headers p50 | direct e2e p50 | Drover e2e p50 |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String[] r : rows) {
            Map<String, Object> d = byLabel.get(r[2]);
            Map<String, Object> x = byLabel.get(r[3]);
            if (!Boolean.TRUE.equals(d.get("stream"))) {
                continue;
            }
            double d50 = pct(d, "ttfbMicros", "p50"), x50 = pct(x, "ttfbMicros", "p50");
            double d99 = pct(d, "ttfbMicros", "p99"), x99 = pct(x, "ttfbMicros", "p99");
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %+.2f | %.0f | %.0f | %+.2f | %.0f | %.0f | %.0f |%n",
                    r[0], r[1], d50, x50, (x50 - d50) / 1000, d99, x99, (x99 - d99) / 1000,
                    pct(x, "headersMicros", "p50"), pct(d, "e2eMicros", "p50"), pct(x, "e2eMicros", "p50")));
        }
        return sb.toString();
    }

    private static String label(Map<String, Object> doc) {
        return (String) doc.get("label");
    }

    private static double num(Map<String, Object> doc, String key) {
        return doc.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    @SuppressWarnings("unchecked")
    private static double pct(Map<String, Object> doc, String hist, String p) {
        return doc.get(hist) instanceof Map<?, ?> m ? num((Map<String, Object>) m, p) : Double.NaN;
    }

    @SuppressWarnings("unchecked")
    private static String cpuPerReq(Map<String, Object> doc, String proc) {
        if (doc.get("cpu") instanceof Map<?, ?> cpu && cpu.get(proc) instanceof Map<?, ?> c
                && c.get("cpuMicrosPerRequest") instanceof Number n) {
            return String.format(Locale.ROOT, "%.0f", n.doubleValue());
        }
        return "n/a";
    }

    private static String machineBusy(Map<String, Object> doc) {
        if (doc.get("cpu") instanceof Map<?, ?> cpu && cpu.get("machine") instanceof Map<?, ?> m
                && m.get("busyFraction") instanceof Number n) {
            return String.format(Locale.ROOT, "%.0f%%", n.doubleValue() * 100);
        }
        return "n/a";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
