package io.drover.mock;

import java.util.Locale;
import java.util.Map;

/**
 * A fault a {@link MockWorker} injects into its answers, set with {@link MockWorker#setFault} or
 * {@code POST /mock/fault}. Immutable; {@link #NONE} means normal behaviour.
 *
 * <ul>
 *   <li>{@link #status(int)}: every inference request answered with that status and an OpenAI-style error body</li>
 *   <li>{@link #HANG}: inference requests are accepted and never answered (until the fault is cleared,
 *       when they proceed normally, or the fleet closes, when the connection is dropped)</li>
 *   <li>{@link #slow(long)}: extra delay before the first byte of the answer</li>
 *   <li>{@link #TRUNCATE}: a stream sends a few events then the connection closes without [DONE];
 *       a non-streamed answer sends half its body then closes</li>
 *   <li>{@link #GARBAGE}: 200 with a body that is not JSON</li>
 *   <li>{@link #UNHEALTHY}: /health and /health_generate answer 503; inference still works</li>
 * </ul>
 *
 * @param kind   what goes wrong
 * @param status the HTTP status for {@link Kind#STATUS}, else 0
 * @param ms     the extra delay for {@link Kind#SLOW}, else 0
 */
public record Fault(Kind kind, int status, long ms) {
    /** The kinds of fault. */
    public enum Kind { NONE, STATUS, HANG, SLOW, TRUNCATE, GARBAGE, UNHEALTHY }

    public static final Fault NONE = new Fault(Kind.NONE, 0, 0);
    public static final Fault HANG = new Fault(Kind.HANG, 0, 0);
    public static final Fault TRUNCATE = new Fault(Kind.TRUNCATE, 0, 0);
    public static final Fault GARBAGE = new Fault(Kind.GARBAGE, 0, 0);
    public static final Fault UNHEALTHY = new Fault(Kind.UNHEALTHY, 0, 0);

    public Fault {
        if (kind == null) throw new IllegalArgumentException("kind");
        if (kind == Kind.STATUS && (status < 100 || status > 599)) {
            throw new IllegalArgumentException("status must be 100..599: " + status);
        }
        if (ms < 0) throw new IllegalArgumentException("ms must be >= 0");
    }

    /** Answer every inference request with {@code code} and an error JSON body. */
    public static Fault status(int code) {
        return new Fault(Kind.STATUS, code, 0);
    }

    /** Add {@code ms} milliseconds before answering. */
    public static Fault slow(long ms) {
        return new Fault(Kind.SLOW, 0, ms);
    }

    /**
     * Parses the body of {@code POST /mock/fault}: {@code {"fault":"status","status":500}},
     * {@code {"fault":"slow","ms":200}}, {@code {"fault":"hang"}}, {@code {"fault":"none"}}, ...
     *
     * @throws IllegalArgumentException on an unknown fault name or missing parameter
     */
    static Fault fromJson(Map<String, Object> json) {
        Object name = json.get("fault");
        if (!(name instanceof String s)) throw new IllegalArgumentException("\"fault\" (string) is required");
        Kind kind;
        try {
            kind = Kind.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown fault: " + s);
        }
        return switch (kind) {
            case NONE -> NONE;
            case HANG -> HANG;
            case TRUNCATE -> TRUNCATE;
            case GARBAGE -> GARBAGE;
            case UNHEALTHY -> UNHEALTHY;
            case STATUS -> status(number(json, "status"));
            case SLOW -> slow(number(json, "ms"));
        };
    }

    private static int number(Map<String, Object> json, String key) {
        if (json.get(key) instanceof Number n) return n.intValue();
        throw new IllegalArgumentException("\"" + key + "\" (number) is required");
    }

    /** Short form used in /mock/stats: "none", "status(500)", "slow(200)", "hang", ... */
    @Override
    public String toString() {
        String k = kind.name().toLowerCase(Locale.ROOT);
        return switch (kind) {
            case STATUS -> k + "(" + status + ")";
            case SLOW -> k + "(" + ms + ")";
            default -> k;
        };
    }
}
