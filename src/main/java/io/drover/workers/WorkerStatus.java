package io.drover.workers;

/** A worker's lifecycle state, as SMG names them. Only {@link #READY} workers receive traffic. */
public enum WorkerStatus {
    /** Registered, not yet seen healthy. */
    PENDING,
    /** Healthy and routable. */
    READY,
    /** Failed enough consecutive probes to leave rotation; probes continue. */
    NOT_READY,
    /** Given up on (terminal). */
    FAILED,
    /** Being removed: no new traffic, in-flight requests finish. */
    DRAINING;

    /** The lower-case name used in JSON ({@code ready}, {@code not_ready}, ...). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
