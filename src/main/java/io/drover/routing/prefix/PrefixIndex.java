package io.drover.routing.prefix;

/**
 * Which workers hold which prompt prefixes, as chains of block hashes (see {@link BlockHashes}).
 * The gateway's cache-aware policy asks for the longest indexed prefix of a request and records
 * the worker it chose.
 *
 * <p>Threading: {@link #longestMatch} and {@link #insert} are called only by the policy thread;
 * {@link #removeWorker}, {@link #flush} and {@link #close} by any thread.
 */
public interface PrefixIndex extends AutoCloseable {
    /** Up to {@value #MAX_OWNERS} workers that hold a prefix, most recently used first. */
    int MAX_OWNERS = 4;

    /** The owners of a matched prefix: reusable, filled by {@link #longestMatch}. */
    final class Owners {
        final long[] workers = new long[MAX_OWNERS];
        final long[] lastAccess = new long[MAX_OWNERS];
        int count;

        /** Number of owners found. */
        public int count() {
            return count;
        }

        /** The key ({@link BlockHashes#key} of the URL) of owner {@code i}. */
        public long worker(int i) {
            return workers[i];
        }

        /** When owner {@code i} last used the prefix (epoch milliseconds). */
        public long lastAccess(int i) {
            return lastAccess[i];
        }

        void clear() {
            count = 0;
        }

        void add(long worker, long access) {
            int i;
            if (count < MAX_OWNERS) {
                i = count++;
            } else if (access <= lastAccess[MAX_OWNERS - 1]) {
                return;
            } else {
                i = MAX_OWNERS - 1;
            }
            while (i > 0 && lastAccess[i - 1] < access) { // newest first
                workers[i] = workers[i - 1];
                lastAccess[i] = lastAccess[i - 1];
                i--;
            }
            workers[i] = worker;
            lastAccess[i] = access;
        }
    }

    /**
     * The number {@code d} of leading blocks of {@code hashes[0..n)} that are indexed, and in
     * {@code owners} the workers holding block {@code d-1} (none when {@code d == 0}).
     */
    int longestMatch(long[] hashes, int n, Owners owners);

    /**
     * Records that {@code worker} now holds the prefix {@code hashes[0..n)} of model {@code modelKey}.
     *
     * @param matched  how many leading blocks {@link #longestMatch} just found indexed (0 if unknown):
     *                 the policy thread's own bookkeeping then skips them
     */
    void insert(long modelKey, long[] hashes, int n, long worker, int matched);

    /** Forgets every prefix held by {@code worker} (it was removed from the fleet). */
    void removeWorker(long worker);

    /** Waits until every insert and removal issued so far is visible to other processes. */
    void flush() throws InterruptedException;

    /** Indexed blocks, over all models. */
    long size();

    @Override
    void close();
}
