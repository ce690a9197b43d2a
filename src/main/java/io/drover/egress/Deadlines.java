package io.drover.egress;

/**
 * The time limits of one upstream attempt, as {@link System#nanoTime} values. Immutable.
 *
 * @param totalNanos      absolute deadline of the whole request ({@code --request-timeout-secs})
 * @param firstByteNanos  absolute deadline for the first body byte, or 0 for none
 * @param idleNanos       longest gap between two reads of the body once it has started, or 0 for none
 */
public record Deadlines(long totalNanos, long firstByteNanos, long idleNanos) {
    /** Only the whole-request deadline. */
    public static Deadlines total(long totalNanos) {
        return new Deadlines(totalNanos, 0, 0);
    }

    /** Which limit ended an attempt. */
    public enum Reason {
        /** The whole-request deadline. */
        TOTAL,
        /** No first byte in time. */
        FIRST_BYTE,
        /** The body went quiet for too long. */
        IDLE
    }
}
