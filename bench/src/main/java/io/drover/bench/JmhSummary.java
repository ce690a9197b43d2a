package io.drover.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Markdown table of a JMH JSON result file ({@code -rf json}) for {@code bench/jmh.sh}: benchmark,
 * parameters, mode, score and, for sample-time benchmarks, p50 / p99 / p99.9. Main thread only.
 */
public final class JmhSummary {
    private JmhSummary() {}

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws IOException {
        List<Object> runs = JSON.std.listFrom(Files.readString(Path.of(args[0])));
        System.out.println("| benchmark | params | mode | score | unit | p50 | p99 | p99.9 |");
        System.out.println("|---|---|---|---:|---|---:|---:|---:|");
        for (Object o : runs) {
            Map<String, Object> r = (Map<String, Object>) o;
            String name = String.valueOf(r.get("benchmark"));
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            Map<String, Object> params = (Map<String, Object>) r.getOrDefault("params", Map.of());
            Map<String, Object> m = (Map<String, Object>) r.get("primaryMetric");
            Map<String, Object> pct = (Map<String, Object>) m.getOrDefault("scorePercentiles", Map.of());
            boolean sample = "sample".equals(r.get("mode"));
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %.1f | %s | %s | %s | %s |%n", name, params, r.get("mode"),
                    ((Number) m.get("score")).doubleValue(), m.get("scoreUnit"),
                    sample ? fmt(pct.get("50.0")) : "-", sample ? fmt(pct.get("99.0")) : "-", sample ? fmt(pct.get("99.9")) : "-");
        }
    }

    private static String fmt(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.0f", n.doubleValue()) : "-";
    }
}
