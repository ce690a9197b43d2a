package io.drover.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Self-contained HTML report (inline SVG, no scripts, no network) for one or more {@link WorkloadGen}
 * result documents: a summary table, TTFT and end-to-end latency CDFs, TTFT p50/p99 per run (e.g. per
 * policy) and each run's per-worker load (running + waiting requests) over time.
 *
 * <p>{@code java -cp ... io.drover.bench.Report --out report.html a.json b.json ...}, or
 * {@link #html} from {@link WorkloadGen}. Pure functions; any thread.
 */
public final class Report {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int W = 640;
    private static final int H = 300;
    private static final int PAD = 50;

    private Report() {}

    public static void main(String[] args) throws Exception {
        Path out = null;
        boolean table = false;
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) out = Path.of(args[++i]);
            else if (args[i].equals("--table")) table = true;
            else runs.add(JSON.std.mapFrom(Files.readString(Path.of(args[i]))));
        }
        if ((out == null && !table) || runs.isEmpty()) {
            System.err.println("usage: Report [--table] [--out FILE.html] RESULT.json...");
            System.exit(2);
        }
        if (table) System.out.print(markdown(runs));
        if (out != null) {
            WorkloadGen.write(out, html(runs));
            System.out.println("report: " + out);
        }
    }

    /** One markdown row per run: TTFT and E2E p50/p99, throughput, cache hit rate, load CV, errors. */
    @SuppressWarnings("unchecked")
    static String markdown(List<Map<String, Object>> runs) {
        StringBuilder sb = new StringBuilder("| run | requests | errors | req/s | out tok/s | TTFT p50 ms | TTFT p99 ms | "
                + "E2E p50 ms | E2E p99 ms | ITL p50 ms | cache hit | load CV | requests per worker |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Map<String, Object> r : runs) {
            Map<String, Object> t = (Map<String, Object>) r.get("ttftMillis");
            Map<String, Object> e = (Map<String, Object>) r.get("e2eMillis");
            Map<String, Object> i = (Map<String, Object>) r.get("itlMillis");
            sb.append("| ").append(label(r)).append(" | ").append(r.get("requests")).append(" | ").append(r.get("errors"))
                    .append(" | ").append(r.get("requestsPerSec")).append(" | ").append(r.get("outputTokensPerSec"))
                    .append(" | ").append(t.get("p50")).append(" | ").append(t.get("p99")).append(" | ").append(e.get("p50"))
                    .append(" | ").append(e.get("p99")).append(" | ").append(i.get("p50")).append(" | ")
                    .append(r.get("cacheHitRate")).append(" | ").append(r.get("loadCv")).append(" | ")
                    .append(r.get("requestsPerWorker")).append(" |\n");
        }
        return sb.toString();
    }

    /** The whole HTML page for {@code runs}. */
    @SuppressWarnings("unchecked")
    static String html(List<Map<String, Object>> runs) {
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Drover workload report</title><style>")
                .append("body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #ccc;")
                .append("padding:3px 8px;text-align:right}th{background:#eee}svg{border:1px solid #ddd;margin:6px}")
                .append("</style></head><body><h1>Workload report</h1>");
        sb.append("<table><tr><th>run</th><th>target</th><th>workload</th><th>req</th><th>err</th><th>req/s</th><th>out tok/s</th>")
                .append("<th>TTFT p50 ms</th><th>TTFT p99 ms</th><th>ITL p50 ms</th><th>ITL p99 ms</th><th>E2E p50 ms</th>")
                .append("<th>E2E p99 ms</th><th>cache hit</th><th>load CV</th></tr>");
        for (Map<String, Object> r : runs) {
            Map<String, Object> t = (Map<String, Object>) r.get("ttftMillis");
            Map<String, Object> i = (Map<String, Object>) r.get("itlMillis");
            Map<String, Object> e = (Map<String, Object>) r.get("e2eMillis");
            sb.append("<tr><td>").append(esc(label(r))).append("</td><td>").append(esc(String.valueOf(r.get("target"))))
                    .append("</td><td>").append(esc(r.get("workload") + " " + r.get("mode")));
            for (Object v : new Object[] {r.get("requests"), r.get("errors"), r.get("requestsPerSec"), r.get("outputTokensPerSec"),
                t.get("p50"), t.get("p99"), i.get("p50"), i.get("p99"), e.get("p50"), e.get("p99"), r.get("cacheHitRate"), r.get("loadCv")}) {
                sb.append("</td><td>").append(esc(String.valueOf(v)));
            }
            sb.append("</td></tr>");
        }
        sb.append("</table>");
        sb.append(cdfChart("TTFT CDF (ms, log scale)", runs, "ttftCdf"));
        sb.append(cdfChart("End-to-end latency CDF (ms, log scale)", runs, "e2eCdf"));
        sb.append(bars(runs));
        for (Map<String, Object> r : runs) sb.append(loadChart(r));
        sb.append("<p>Generated ").append(java.time.Instant.now()).append(" by io.drover.bench.Report.</p></body></html>\n");
        return sb.toString();
    }

    private static String label(Map<String, Object> r) {
        Object l = r.get("label");
        return l == null ? String.valueOf(r.get("target")) : l.toString();
    }

    @SuppressWarnings("unchecked")
    private static String cdfChart(String title, List<Map<String, Object>> runs, String key) {
        List<String> names = new ArrayList<>();
        List<List<double[]>> series = new ArrayList<>();
        for (Map<String, Object> r : runs) {
            List<double[]> pts = new ArrayList<>();
            Object raw = r.get(key);
            if (raw instanceof List<?> l) {
                for (Object o : l) {
                    List<Number> p = o instanceof double[] d ? List.of(d[0], d[1]) : (List<Number>) o;
                    pts.add(new double[] {Math.max(1e-3, p.get(1).doubleValue()), p.get(0).doubleValue()});
                }
            }
            names.add(label(r));
            series.add(pts);
        }
        return lineChart(title, names, series, true, "ms", "percentile");
    }

    @SuppressWarnings("unchecked")
    private static String bars(List<Map<String, Object>> runs) {
        double max = 1e-9;
        for (Map<String, Object> r : runs) max = Math.max(max, num(((Map<String, Object>) r.get("ttftMillis")).get("p99")));
        int bw = Math.max(8, (W - 2 * PAD) / Math.max(1, runs.size() * 3));
        StringBuilder sb = svgStart("TTFT p50 (light) and p99 (dark) per run, ms");
        for (int k = 0; k < runs.size(); k++) {
            Map<String, Object> t = (Map<String, Object>) runs.get(k).get("ttftMillis");
            double[] v = {num(t.get("p50")), num(t.get("p99"))};
            for (int j = 0; j < 2; j++) {
                double h = (H - 2 * PAD) * v[j] / max;
                double x = PAD + (k * 3 + j) * bw;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\" opacity=\"%s\"/>",
                        x, H - PAD - h, bw - 2, h, COLORS[k % COLORS.length], j == 0 ? "0.45" : "1"));
                sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\">%s</text>", x, H - PAD - h - 2, fmt(v[j])));
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%s</text>",
                    PAD + k * 3.0 * bw, H - PAD + 14, esc(label(runs.get(k)))));
        }
        return sb.append("</svg>").toString();
    }

    @SuppressWarnings("unchecked")
    private static String loadChart(Map<String, Object> r) {
        Map<Integer, List<double[]>> perWorker = new TreeMap<>();
        if (r.get("loadSamples") instanceof List<?> l) {
            for (Object o : l) {
                List<Number> s = o instanceof double[] d ? List.of(d[0], d[1], d[2], d[3]) : (List<Number>) o;
                perWorker.computeIfAbsent(s.get(1).intValue(), k -> new ArrayList<>())
                        .add(new double[] {s.get(0).doubleValue(), s.get(2).doubleValue() + s.get(3).doubleValue()});
            }
        }
        if (perWorker.isEmpty()) return "";
        List<String> names = new ArrayList<>();
        List<List<double[]>> series = new ArrayList<>();
        perWorker.forEach((w, pts) -> {
            names.add("w" + w);
            series.add(pts);
        });
        return lineChart("Per-worker load (running + waiting) over time: " + label(r), names, series, false, "s", "requests");
    }

    private static String lineChart(String title, List<String> names, List<List<double[]>> series, boolean logX,
                                    String xUnit, String yUnit) {
        double x0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y1 = 1e-9;
        for (List<double[]> s : series) {
            for (double[] p : s) {
                x0 = Math.min(x0, p[0]);
                x1 = Math.max(x1, p[0]);
                y1 = Math.max(y1, p[1]);
            }
        }
        StringBuilder sb = svgStart(title);
        if (x0 > x1) return sb.append("<text x=\"60\" y=\"150\">no data</text></svg>").toString();
        if (logX) {
            x0 = Math.log10(Math.max(1e-3, x0));
            x1 = Math.log10(Math.max(1e-3, x1));
        }
        if (x1 - x0 < 1e-9) x1 = x0 + 1;
        final double fx0 = x0, fx1 = x1, fy1 = y1;
        for (int t = 0; t <= 4; t++) {
            double xv = x0 + (x1 - x0) * t / 4;
            double px = PAD + (W - 2 * PAD) * t / 4.0;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>", px, PAD, px, H - PAD));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
                    px, H - PAD + 14, fmt(logX ? Math.pow(10, xv) : xv)));
            double py = H - PAD - (H - 2 * PAD) * t / 4.0;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>",
                    PAD - 4, py + 3, fmt(y1 * t / 4)));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text><text x=\"4\" y=\"%d\" font-size=\"10\">%s</text>",
                W - PAD, H - PAD + 28, xUnit, PAD - 8, yUnit));
        for (int k = 0; k < series.size(); k++) {
            StringBuilder d = new StringBuilder();
            for (double[] p : series.get(k)) {
                double xv = logX ? Math.log10(Math.max(1e-3, p[0])) : p[0];
                double px = PAD + (W - 2 * PAD) * (xv - fx0) / (fx1 - fx0);
                double py = H - PAD - (H - 2 * PAD) * p[1] / fy1;
                d.append(d.isEmpty() ? "M" : "L").append(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
            }
            String color = COLORS[k % COLORS.length];
            sb.append("<path d=\"").append(d).append("\" fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.5\"/>");
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"%s\">%s</text>",
                    W - PAD + 4, PAD + 12 * k, color, esc(names.get(k))));
        }
        return sb.append("</svg>").toString();
    }

    private static StringBuilder svgStart(String title) {
        return new StringBuilder(8192).append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\"><text x=\"%d\" y=\"18\" font-size=\"13\">%s</text>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>",
                W + 90, H, PAD, esc(title), PAD, H - PAD, W - PAD, H - PAD, PAD, PAD, PAD, H - PAD)).append("");
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    private static String fmt(double v) {
        if (v >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (v >= 1) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
