package io.drover.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * One markdown row of {@code bench/scale.sh}'s summary, from result documents: a streams row from a
 * {@link WorkloadGen} result plus the Drover process figures the script measured, or (with
 * {@code --workers}) an added-latency row from two {@link LoadGen} results, direct and through Drover.
 * Main thread only.
 */
public final class ScaleRow {
    private ScaleRow() {}

    @SuppressWarnings("unchecked")
    public static void main(String[] a) throws IOException {
        if (a.length > 0 && a[0].equals("--workers")) {
            Map<String, Object> d = read(a[2]);
            Map<String, Object> g = read(a[3]);
            Map<String, Object> de = d.isEmpty() ? Map.of() : (Map<String, Object>) d.get("e2eMicros");
            Map<String, Object> ge = g.isEmpty() ? Map.of() : (Map<String, Object>) g.get("e2eMicros");
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %+.0f | %+.0f | %.0f | %s | %s |%n", a[1],
                    n(de.get("p50")), n(de.get("p99")), n(ge.get("p50")), n(ge.get("p99")),
                    n(ge.get("p50")) - n(de.get("p50")), n(ge.get("p99")) - n(de.get("p99")), n(g.get("requestsPerSec")),
                    g.get("errors"), a.length > 4 ? a[4] : "-");
            return;
        }
        if (a.length > 0 && a[0].equals("--open")) { // two WorkloadGen results at one fixed rate: direct, Drover
            Map<String, Object> d = read(a[2]);
            Map<String, Object> g = read(a[3]);
            Map<String, Object> de = d.isEmpty() ? Map.of() : (Map<String, Object>) d.get("e2eMillis");
            Map<String, Object> ge = g.isEmpty() ? Map.of() : (Map<String, Object>) g.get("e2eMillis");
            System.out.printf(Locale.ROOT, "| %s | %s / %s | %.0f | %.0f | %.0f | %.0f | %+.0f | %+.0f | %s / %s |%n", a[1],
                    d.get("requestsPerSec"), g.get("requestsPerSec"), 1000 * n(de.get("p50")), 1000 * n(de.get("p99")),
                    1000 * n(ge.get("p50")), 1000 * n(ge.get("p99")), 1000 * (n(ge.get("p50")) - n(de.get("p50"))),
                    1000 * (n(ge.get("p99")) - n(de.get("p99"))), d.get("errors"), g.get("errors"));
            return;
        }
        Map<String, Object> r = read(a[0]);
        if (r.isEmpty()) {
            System.out.printf("| %s | - | - | no result (see target/scale/logs) | - | - | - | %s | %s | %s | %s |%n", a[1], a[2], a[3], a[4], a[5]);
            return;
        }
        Map<String, Object> t = (Map<String, Object>) r.get("ttftMillis");
        Map<String, Object> i = (Map<String, Object>) r.get("itlMillis");
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.1f | %.1f | %.1f | %s | %s | %s | %s |%n", a[1], r.get("requests"),
                r.get("errors"), r.get("errorKinds"), n(t.get("p50")), n(t.get("p99")), n(i.get("p99")), a[2], a[3], a[4], a[5]);
    }

    private static Map<String, Object> read(String f) throws IOException {
        Path p = Path.of(f);
        return Files.exists(p) ? JSON.std.mapFrom(Files.readString(p)) : Map.of();
    }

    private static double n(Object o) {
        return o instanceof Number x ? x.doubleValue() : 0;
    }
}
