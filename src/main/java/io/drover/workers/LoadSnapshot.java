package io.drover.workers;

/**
 * A worker's own report of its load, polled by {@link LoadMonitor}. Immutable.
 *
 * @param running          requests running on the engine
 * @param waiting          requests queued on the engine
 * @param tokenUsage       KV-cache usage, 0..1
 * @param waitingTokens    prompt tokens waiting to be prefilled (0 when not reported)
 * @param genThroughput    generation tokens/s (0 when not reported)
 * @param atNanos          when it was taken ({@link System#nanoTime})
 */
public record LoadSnapshot(int running, int waiting, double tokenUsage, long waitingTokens, double genThroughput,
                           long atNanos) {}
