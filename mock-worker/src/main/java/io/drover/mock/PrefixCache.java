package io.drover.mock;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A prefix cache of chained block hashes ({@link PromptBlocks}) with reference counts and LRU
 * eviction of unreferenced blocks. The realistic {@link Engine} keeps one per worker (under its
 * lock); the bench's oracle router keeps one per simulated worker. Not thread-safe: callers lock.
 */
public final class PrefixCache {
    private static final class Block {
        int refs;
    }

    private final Map<Long, Block> blocks = new HashMap<>();
    /** Unreferenced blocks in least-recently-used-first order. */
    private final LinkedHashMap<Long, Block> evictable = new LinkedHashMap<>(16, 0.75f, true);

    /** Number of blocks held (referenced or not). */
    public int size() { return blocks.size(); }

    /** Number of blocks no running request references (the ones {@link #evictOne} may drop). */
    public int evictableSize() { return evictable.size(); }

    /** Drops every unreferenced block; returns how many. */
    public int clearUnreferenced() {
        int n = evictable.size();
        for (Long h : evictable.keySet()) blocks.remove(h);
        evictable.clear();
        return n;
    }

    /**
     * Length, in blocks, of the longest prefix of {@code p} held here. Touches the matched
     * unreferenced blocks (they become most recently used).
     */
    public int match(PromptBlocks p) {
        int n = peek(p);
        // touch deepest first, so a prefix stays more recent than its extensions and is evicted last
        for (int i = n - 1; i >= 0; i--) evictable.get(p.block(i));
        return n;
    }

    /** Like {@link #match} but without touching the LRU order. */
    public int peek(PromptBlocks p) {
        int n = 0;
        while (n < p.blockCount() && blocks.containsKey(p.block(n))) n++;
        return n;
    }

    /** References blocks {@code [0, n)} of {@code p}, all of which must be present. */
    public void pin(PromptBlocks p, int n) {
        for (int i = 0; i < n; i++) {
            Block b = blocks.get(p.block(i));
            if (b.refs++ == 0) evictable.remove(p.block(i));
        }
    }

    /**
     * Inserts blocks {@code [from, to)} of {@code p}, referenced once each (a present block gains one
     * reference). Returns the number of blocks newly added.
     */
    public int insertPinned(PromptBlocks p, int from, int to) {
        int added = 0;
        for (int i = from; i < to; i++) {
            long h = p.block(i);
            Block b = blocks.get(h);
            if (b == null) {
                b = new Block();
                blocks.put(h, b);
                added++;
            } else if (b.refs == 0) {
                evictable.remove(h);
            }
            b.refs++;
        }
        return added;
    }

    /** Inserts blocks {@code [0, to)} unreferenced (most recently used); returns how many were new. */
    public int insert(PromptBlocks p, int to) {
        int added = insertPinned(p, 0, to);
        unpin(p, to);
        return added;
    }

    /** Drops one reference from blocks {@code [0, n)} of {@code p}. */
    public void unpin(PromptBlocks p, int n) {
        for (int i = n - 1; i >= 0; i--) { // deepest first: evicted before its prefix
            long h = p.block(i);
            Block b = blocks.get(h);
            if (b != null && b.refs > 0 && --b.refs == 0) evictable.put(h, b);
        }
    }

    /** Evicts the least recently used unreferenced block; false when there is none. */
    public boolean evictOne() {
        var it = evictable.entrySet().iterator();
        if (!it.hasNext()) return false;
        Long h = it.next().getKey();
        it.remove();
        blocks.remove(h);
        return true;
    }
}
