package io.drover.routing.prefix;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The simplest correct answer, for property tests: an in-heap radix tree over whole blocks of
 * text, each node knowing which workers inserted a prefix through it.
 */
final class ReferencePrefixTree {
    private static final class Node {
        final Map<String, Node> children = new HashMap<>();
        final Set<Long> owners = new HashSet<>();
    }

    private final Map<String, Node> roots = new HashMap<>();
    private final int charsPerBlock;

    ReferencePrefixTree(int charsPerBlock) {
        this.charsPerBlock = charsPerBlock;
    }

    void insert(String model, String text, long worker) {
        Node n = roots.computeIfAbsent(model, k -> new Node());
        for (int b = 0; b + charsPerBlock <= text.length(); b += charsPerBlock) {
            n = n.children.computeIfAbsent(text.substring(b, b + charsPerBlock), k -> new Node());
            n.owners.add(worker);
        }
    }

    /** Matched whole blocks, and the owners of the deepest one. */
    int longestMatch(String model, String text, Set<Long> ownersOut) {
        Node n = roots.get(model);
        int d = 0;
        if (n == null) {
            return 0;
        }
        for (int b = 0; b + charsPerBlock <= text.length(); b += charsPerBlock) {
            Node next = n.children.get(text.substring(b, b + charsPerBlock));
            if (next == null) {
                break;
            }
            n = next;
            d++;
        }
        if (d > 0) {
            ownersOut.addAll(n.owners);
        }
        return d;
    }
}
