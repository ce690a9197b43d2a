package io.drover.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import picocli.CommandLine;

/**
 * Supplies option defaults from a YAML file whose keys are flag names without the leading dashes
 * ({@code worker-urls}, or {@code worker_urls}). Used by picocli on the main thread while parsing;
 * options given on the command line override these values.
 */
public final class YamlDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, Object> values;

    private YamlDefaults(Map<String, Object> values) {
        this.values = values;
    }

    /** Loads {@code file}; throws {@link IllegalArgumentException} with a clear message on a bad file. */
    public static YamlDefaults load(Path file) {
        Object doc;
        try (InputStream in = Files.newInputStream(file)) {
            doc = new Load(LoadSettings.builder().build()).loadFromInputStream(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --config " + file + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--config " + file + " is not valid YAML: " + e.getMessage());
        }
        if (doc == null) {
            return new YamlDefaults(Map.of());
        }
        if (!(doc instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("--config " + file + " must be a YAML mapping of flag names to values");
        }
        Map<String, Object> out = new java.util.HashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k).replace('_', '-'), v));
        return new YamlDefaults(out);
    }

    /** Checks every key names an option of {@code spec}; throws with the unknown keys listed. */
    public void checkKeys(CommandLine.Model.CommandSpec spec) {
        Set<String> known = new HashSet<>();
        for (var o : spec.options()) {
            for (String n : o.names()) {
                known.add(n.replaceFirst("^-+", ""));
            }
        }
        Set<String> unknown = new java.util.TreeSet<>(values.keySet());
        unknown.removeAll(known);
        for (String k : unknown) {
            if (SmgFlags.NOT_YET.contains("--" + k)) {
                throw new IllegalArgumentException("--config: '" + k
                        + "' is an SMG flag that Drover does not implement yet");
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("--config: unknown key(s) " + unknown);
        }
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec argSpec) {
        if (!(argSpec instanceof CommandLine.Model.OptionSpec opt)) {
            return null;
        }
        Object v = values.get(opt.longestName().replaceFirst("^-+", ""));
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        if (v instanceof Map<?, ?> m) {
            return m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
        }
        return String.valueOf(v);
    }
}
