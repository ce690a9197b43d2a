package io.drover.routing.prefix;

/**
 * Chained hashes of a request's routing text, block by block: {@code h[i]} identifies the whole
 * prefix made of blocks {@code 0..i}, seeded with the model, so two requests share {@code h[i]}
 * exactly when they share their first {@code i+1} blocks (up to 64-bit collisions). Text is cut into
 * blocks of {@code charsPerBlock} characters; token ids into blocks of {@code tokensPerBlock}. Only
 * whole blocks are hashed.
 *
 * <p>Threading: an instance is a reusable buffer owned by one thread (the policy thread).
 */
public final class BlockHashes {
    private static final long C1 = 0x9E3779B97F4A7C15L;
    private static final long C2 = 0xC2B2AE3D27D4EB4FL;

    private long[] hashes = new long[64];
    private int count;

    /** Hashes of the whole blocks of {@code text} for {@code model}; returns the block count. */
    public int ofText(String model, CharSequence text, int charsPerBlock) {
        int blocks = text.length() / charsPerBlock;
        ensure(blocks);
        long h = seed(model);
        int p = 0;
        for (int b = 0; b < blocks; b++) {
            // two independent lanes over alternating 4-character words halve the multiply chain
            long x = h;
            long y = h ^ C2;
            int end = p + charsPerBlock;
            for (; p + 7 < end; p += 8) {
                x = (x ^ word(text, p)) * C1;
                y = (y ^ word(text, p + 4)) * C1;
                x ^= x >>> 31;
                y ^= y >>> 29;
            }
            for (; p < end; p++) {
                x = (x ^ text.charAt(p)) * C1;
            }
            h = mix(x + Long.rotateLeft(y, 17) + C2 * (b + 1));
            hashes[b] = h;
        }
        count = blocks;
        return blocks;
    }

    /** Hashes of the whole blocks of {@code tokens} for {@code model}; returns the block count. */
    public int ofTokens(String model, int[] tokens, int tokensPerBlock) {
        int blocks = tokens.length / tokensPerBlock;
        ensure(blocks);
        long h = seed(model) ^ 0x5bd1e995L;
        int p = 0;
        for (int b = 0; b < blocks; b++) {
            long x = h;
            for (int end = p + tokensPerBlock; p < end; p++) {
                x = (x ^ (tokens[p] & 0xFFFFFFFFL)) * C1;
                x ^= x >>> 29;
            }
            h = mix(x + C2 * (b + 1));
            hashes[b] = h;
        }
        count = blocks;
        return blocks;
    }

    private static long word(CharSequence t, int p) {
        return t.charAt(p) | (long) t.charAt(p + 1) << 16 | (long) t.charAt(p + 2) << 32 | (long) t.charAt(p + 3) << 48;
    }

    /** The hashes computed last; valid up to {@link #count()}. */
    public long[] hashes() {
        return hashes;
    }

    public int count() {
        return count;
    }

    /** A stable 64-bit key for a string (model ids, worker URLs): the same in every process. */
    public static long key(String s) {
        long h = 0x84222325CBF29CE4L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001B3L;
        }
        return mix(h);
    }

    private static long seed(String model) {
        return key(model == null ? "" : model);
    }

    private void ensure(int n) {
        if (hashes.length < n) {
            hashes = new long[Math.max(n, hashes.length * 2)];
        }
    }

    /** The splitmix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
