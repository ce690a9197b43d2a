package io.drover.observability;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sets up java.util.logging (which Helidon also logs through) from {@code --log-level},
 * {@code --log-json} and {@code --log-dir}: one line per record on stderr and, with a directory,
 * in {@code drover.log} there. Called once on the main thread at start.
 */
public final class Logging {
    private Logging() {}

    /** Configures the root logger. */
    public static void configure(String level, boolean json, Path dir) throws IOException {
        Level lvl = parse(level);
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Formatter f = json ? new JsonFormatter() : new LineFormatter();
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(lvl);
        console.setFormatter(f);
        root.addHandler(console);
        if (dir != null) {
            Files.createDirectories(dir);
            FileHandler file = new FileHandler(dir.resolve("drover.log").toString(), 0, 1, true); // rotate with logrotate
            file.setLevel(lvl);
            file.setFormatter(f);
            root.addHandler(file);
        }
        root.setLevel(lvl);
        // Chronicle prints a sales banner at INFO
        Logger.getLogger("net.openhft").setLevel(lvl.intValue() > Level.WARNING.intValue() ? lvl : Level.WARNING);
        // Helidon is chatty at INFO about its features; keep it at WARNING unless debugging
        if (lvl.intValue() >= Level.INFO.intValue()) {
            Logger.getLogger("io.helidon").setLevel(Level.WARNING);
        }
    }

    /** Maps SMG's level names (trace, debug, info, warn, error) to JUL levels. */
    public static Level parse(String level) {
        return switch (level.toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.FINEST;
            case "debug" -> Level.FINE;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARNING;
            case "error", "severe" -> Level.SEVERE;
            case "off" -> Level.OFF;
            default -> throw new IllegalArgumentException("--log-level: unknown level '" + level
                    + "' (trace, debug, info, warn, error)");
        };
    }

    private static String levelName(Level l) {
        if (l.intValue() >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (l.intValue() >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (l.intValue() >= Level.INFO.intValue()) {
            return "INFO";
        }
        return l.intValue() >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }

    private static String thrown(LogRecord r) {
        if (r.getThrown() == null) {
            return null;
        }
        StringWriter sw = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }

    static final class LineFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            String t = thrown(r);
            return Instant.ofEpochMilli(r.getMillis()) + " " + levelName(r.getLevel()) + " "
                    + shortName(r.getLoggerName()) + ": " + formatMessage(r) + "\n" + (t == null ? "" : t);
        }
    }

    static final class JsonFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("timestamp", Instant.ofEpochMilli(r.getMillis()).toString());
            m.put("level", levelName(r.getLevel()));
            m.put("target", r.getLoggerName() == null ? "" : r.getLoggerName());
            m.put("message", formatMessage(r));
            String t = thrown(r);
            if (t != null) {
                m.put("error", t);
            }
            try {
                return JSON.std.asString(m) + "\n";
            } catch (IOException e) {
                return formatMessage(r) + "\n";
            }
        }
    }

    private static String shortName(String logger) {
        if (logger == null) {
            return "";
        }
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }
}
