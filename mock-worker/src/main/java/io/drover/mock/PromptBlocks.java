package io.drover.mock;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The realistic engine's approximate tokenizer and prefix-block hashing, shared with the bench's
 * oracle router so both compute the same blocks for the same prompt.
 *
 * <p>Tokenizer: a maximal run of letters or digits is one token, every other non-whitespace character
 * is one token, whitespace only separates. A chat conversation is tokenized message by message, in
 * order, each message contributing one role token ({@code <|role|>}) followed by the tokens of its
 * text content. Deterministic and allocation-light; not a real BPE (real counts are usually higher).
 *
 * <p>Blocks: every {@code blockSize} consecutive tokens form a block; only full blocks are hashed.
 * Block {@code i}'s hash mixes block {@code i-1}'s hash with its own tokens (a chain), so equal hashes
 * mean the whole prefix up to and including that block is equal.
 *
 * <p>Use: {@link Builder} on one thread (not thread-safe); the result is immutable.
 */
public final class PromptBlocks {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private final int tokens;
    private final long[] blocks;

    private PromptBlocks(int tokens, long[] blocks) {
        this.tokens = tokens;
        this.blocks = blocks;
    }

    /** Token count of the whole prompt. */
    public int tokens() { return tokens; }

    /** Number of full blocks. */
    public int blockCount() { return blocks.length; }

    /** Chained hash of full block {@code i}. */
    public long block(int i) { return blocks[i]; }

    /** A copy of the chained block hashes. */
    public long[] blocks() { return blocks.clone(); }

    /** A builder for prompts cut into blocks of {@code blockSize} tokens. */
    public static Builder builder(int blockSize) {
        return new Builder(blockSize);
    }

    /** Tokens of one plain text under the engine's tokenizer. */
    public static int countTokens(CharSequence s) {
        Builder b = new Builder(1 << 20);
        b.text(s);
        return b.tokens;
    }

    /**
     * Blocks of a parsed chat request's {@code messages} (each {role, content}; content a string or a
     * list of {"type":"text","text":...} parts).
     */
    public static PromptBlocks ofMessages(Object messages, int blockSize) {
        Builder b = new Builder(blockSize);
        if (messages instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof Map<?, ?> m)) continue;
                b.role(String.valueOf(m.get("role")));
                b.any(m.get("content"));
            }
        }
        return b.build();
    }

    /** Blocks of a completion / generate prompt: a string, a list of strings or token ids. */
    public static PromptBlocks ofPrompt(Object prompt, int blockSize) {
        Builder b = new Builder(blockSize);
        b.any(prompt);
        return b.build();
    }

    /** Accumulates tokens and cuts them into chained blocks; one thread only. */
    public static final class Builder {
        private final int blockSize;
        private long[] blocks = new long[16];
        private int blockCount;
        private long chain = FNV_OFFSET;
        private long current;
        private int inBlock;
        private int tokens;

        private Builder(int blockSize) {
            if (blockSize < 1) throw new IllegalArgumentException("blockSize must be >= 1");
            this.blockSize = blockSize;
        }

        /** Adds the role marker token of a chat message. */
        public Builder role(String role) {
            long h = FNV_OFFSET ^ 0x5bd1e995L;
            for (int i = 0; i < role.length(); i++) h = (h ^ role.charAt(i)) * FNV_PRIME;
            token(h);
            return this;
        }

        /** Adds the tokens of a text. */
        public Builder text(CharSequence s) {
            int n = s.length();
            int i = 0;
            while (i < n) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (Character.isLetterOrDigit(c)) {
                    long h = FNV_OFFSET;
                    while (i < n && Character.isLetterOrDigit(s.charAt(i))) {
                        h = (h ^ s.charAt(i)) * FNV_PRIME;
                        i++;
                    }
                    token(h);
                } else {
                    token((FNV_OFFSET ^ 0x2a2a2a2aL ^ c) * FNV_PRIME);
                    i++;
                }
            }
            return this;
        }

        /** Adds a token id (an integer prompt element). */
        public Builder id(long id) {
            token((FNV_OFFSET ^ 0x1d1d1d1dL ^ id) * FNV_PRIME);
            return this;
        }

        void any(Object v) {
            if (v instanceof String s) text(s);
            else if (v instanceof Number num) id(num.longValue());
            else if (v instanceof List<?> l) for (Object o : l) any(o);
            else if (v instanceof Map<?, ?> m) any(m.get("text"));
        }

        private void token(long h) {
            tokens++;
            current = (current ^ h) * FNV_PRIME + Long.rotateLeft(h, 17);
            if (++inBlock == blockSize) {
                chain = mix(chain * 31 + current);
                if (blockCount == blocks.length) blocks = Arrays.copyOf(blocks, blockCount * 2);
                blocks[blockCount++] = chain;
                current = 0;
                inBlock = 0;
            }
        }

        /** Tokens added so far. */
        public int tokens() { return tokens; }

        /** The prompt's token count and full-block hashes. */
        public PromptBlocks build() {
            return new PromptBlocks(tokens, Arrays.copyOf(blocks, blockCount));
        }
    }

    /** A 64-bit finaliser (SplitMix64's), so chained hashes spread over all bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
