package io.drover.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Markdown tables for {@code bench/peers.sh}: reads the {@link LoadGen} documents
 * {@code peers-KIND-cC.TARGET.json} (TARGET direct, drover, nginx, haproxy) and prints, per scenario,
 * each target's req/s, latency percentiles, errors and proxy CPU per request (sum of its
 * {@code proxy.*} processes), with ratios to nginx and to direct, and flags a run where direct does
 * not beat a proxy (the load generator or the upstream would then be the bottleneck). Main thread only.
 */
public final class PeersSummary {
    private static final Pattern NAME = Pattern.compile("peers-(plain|stream)-c(\\d+)\\.(direct|drover|nginx|haproxy)\\.json");
    private static final List<String> TARGETS = List.of("direct", "drover", "nginx", "haproxy");

    private PeersSummary() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/peers");
        Map<String, Map<String, Map<String, Object>>> byScenario = new TreeMap<>();
        TreeSet<String> order = new TreeSet<>((a, b) -> {
            String[] x = a.split("-c"), y = b.split("-c");
            int k = x[0].compareTo(y[0]);
            return k != 0 ? k : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
        });
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                String scenario = m.group(1) + "-c" + m.group(2);
                order.add(scenario);
                byScenario.computeIfAbsent(scenario, k -> new TreeMap<>()).put(m.group(3), JSON.std.mapFrom(Files.readString(p)));
            }
        }
        System.out.print(render(order, byScenario));
    }

    @SuppressWarnings("unchecked")
    static String render(Iterable<String> order, Map<String, Map<String, Map<String, Object>>> byScenario) {
        StringBuilder sb = new StringBuilder();
        sb.append("\n| scenario | target | req/s | ÷ direct | p50 µs | p99 µs | p99.9 µs | +p50 µs | +p99 µs | errors | "
                + "proxy CPU µs/req | ÷ nginx | ÷ direct worker | machine busy |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder warnings = new StringBuilder();
        for (String s : order) {
            Map<String, Map<String, Object>> runs = byScenario.get(s);
            Map<String, Object> direct = runs.get("direct");
            Map<String, Object> nginx = runs.get("nginx");
            double dRps = num(direct, "requestsPerSec");
            double nCpu = proxyCpu(nginx);
            for (String t : TARGETS) {
                Map<String, Object> r = runs.get(t);
                if (r == null) continue;
                Map<String, Object> e2e = (Map<String, Object>) r.get("e2eMicros");
                Map<String, Object> de2e = direct == null ? null : (Map<String, Object>) direct.get("e2eMicros");
                double rps = num(r, "requestsPerSec");
                double cpu = proxyCpu(r);
                double workerCpu = workerCpu(direct);
                Map<String, Object> machine = (Map<String, Object>) ((Map<String, Object>) r.get("cpu")).get("machine");
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %s | %.0f | %.0f | %.0f | %s | %s | %s | %s | %s | %s | %s |%n",
                        s, t, rps, dRps > 0 ? String.format(Locale.ROOT, "%.2f", rps / dRps) : "-",
                        d(e2e.get("p50")), d(e2e.get("p99")), d(e2e.get("p999")),
                        t.equals("direct") || de2e == null ? "-" : String.format(Locale.ROOT, "%+.0f", d(e2e.get("p50")) - d(de2e.get("p50"))),
                        t.equals("direct") || de2e == null ? "-" : String.format(Locale.ROOT, "%+.0f", d(e2e.get("p99")) - d(de2e.get("p99"))),
                        r.get("errors"),
                        t.equals("direct") ? "-" : String.format(Locale.ROOT, "%.1f", cpu),
                        t.equals("direct") || nCpu <= 0 ? "-" : String.format(Locale.ROOT, "%.2f", cpu / nCpu),
                        t.equals("direct") || workerCpu <= 0 ? "-" : String.format(Locale.ROOT, "%.2f", cpu / workerCpu),
                        machine == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * d(machine.get("busyFraction")))));
                if (!t.equals("direct") && dRps > 0 && rps >= dRps) {
                    warnings.append("- ").append(s).append(": ").append(t).append(" reached ").append(String.format(Locale.ROOT, "%.0f", rps))
                            .append(" req/s, not below direct's ").append(String.format(Locale.ROOT, "%.0f", dRps))
                            .append(": the load generator or the upstream may be the bottleneck here\n");
                }
            }
        }
        sb.append("\n\"÷ direct worker\" = proxy CPU per request ÷ the mock worker's CPU per request when hit directly.\n");
        if (!warnings.isEmpty()) sb.append("\nBottleneck check failed:\n").append(warnings);
        else sb.append("\nBottleneck check: direct beat every proxy in every scenario.\n");
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    static double proxyCpu(Map<String, Object> r) {
        if (r == null) return 0;
        double sum = 0;
        for (Map.Entry<String, Object> e : ((Map<String, Object>) r.get("cpu")).entrySet()) {
            if (e.getKey().startsWith("proxy.") && e.getValue() instanceof Map<?, ?> m && m.get("cpuMicrosPerRequest") instanceof Number n) {
                sum += n.doubleValue();
            }
        }
        return sum;
    }

    @SuppressWarnings("unchecked")
    private static double workerCpu(Map<String, Object> direct) {
        if (direct == null) return 0;
        Object w = ((Map<String, Object>) direct.get("cpu")).get("worker");
        return w instanceof Map<?, ?> m && m.get("cpuMicrosPerRequest") instanceof Number n ? n.doubleValue() : 0;
    }

    private static double num(Map<String, Object> r, String k) {
        return r != null && r.get(k) instanceof Number n ? n.doubleValue() : 0;
    }

    private static double d(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }
}
