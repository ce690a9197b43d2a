package io.drover.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import io.drover.mock.PromptBlocks;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Request streams for {@link WorkloadGen}, all deterministic for a given seed:
 * <ul>
 *   <li>{@code chat}: one small fixed chat request;</li>
 *   <li>{@code gsp}: "generated shared prefix" in the style of SGLang's bench_serving: {@code groups} system
 *       prompts of {@code systemLen} words, each followed by {@code promptsPerGroup} distinct questions of
 *       {@code questionLen} words, shuffled;</li>
 *   <li>{@code mooncake}: the Mooncake conversation trace; every hash id becomes a fixed block of 512
 *       pseudo-words derived from the id (a request's last block is cut to its {@code input_length}), so
 *       shared hash-id prefixes become shared text prefixes; arrivals are {@code timestamp / timeScale}.</li>
 * </ul>
 * One pseudo-word is one token under the mock's realistic tokenizer ({@link PromptBlocks}), so token
 * counts match the trace. Built once on the main thread; items are immutable and shared by the
 * sending threads.
 */
final class Workloads {
    /** Mooncake's block size in tokens. */
    static final int TRACE_BLOCK = 512;

    /**
     * One request: its chat messages (role, content pairs) or, for a trace request, its hash ids and input
     * length (the text is generated when sent, so a long trace does not sit in memory), its output budget
     * and trace arrival (ns from the start, or -1).
     */
    record Item(List<String[]> fixed, long[] hashIds, int inputLen, int maxTokens, long arrivalNanos) {
        Item(List<String[]> messages, int maxTokens, long arrivalNanos) {
            this(messages, null, 0, maxTokens, arrivalNanos);
        }

        /** The chat messages, {role, content} each. */
        List<String[]> messages() {
            if (hashIds == null) return fixed;
            StringBuilder sb = new StringBuilder(inputLen * 5);
            int left = inputLen - 1; // the role token counts as one
            for (int k = 0; k < hashIds.length && left > 0; k++) {
                int n = k == hashIds.length - 1 ? left : Math.min(TRACE_BLOCK - (k == 0 ? 1 : 0), left);
                blockText(sb, hashIds[k], n, k == 0 ? 1 : 0);
                left -= n;
            }
            List<String[]> msgs = new ArrayList<>(1);
            msgs.add(new String[] {"user", sb.toString()});
            return msgs;
        }

        /** The JSON body for a chat completion. */
        byte[] body(String model, boolean stream) {
            return body(model, stream, messages());
        }

        /** The JSON body for a chat completion of {@code messages}. */
        byte[] body(String model, boolean stream, List<String[]> messages) {
            StringBuilder sb = new StringBuilder(64 + messages.stream().mapToInt(m -> m[1].length() + 32).sum());
            sb.append("{\"model\":\"").append(model).append("\",\"messages\":[");
            for (int i = 0; i < messages.size(); i++) {
                if (i > 0) sb.append(',');
                sb.append("{\"role\":\"").append(messages.get(i)[0]).append("\",\"content\":\"").append(messages.get(i)[1]).append("\"}");
            }
            sb.append("],\"max_tokens\":").append(maxTokens);
            if (stream) sb.append(",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
            return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
        }

        /** The prompt's blocks exactly as the realistic mock computes them. */
        static PromptBlocks blocks(List<String[]> messages, int blockSize) {
            PromptBlocks.Builder b = PromptBlocks.builder(blockSize);
            for (String[] m : messages) b.role(m[0]).text(m[1]);
            return b.build();
        }
    }

    private Workloads() {}

    /** The small fixed chat of {@link LoadGen}, with {@code outputLen} tokens. */
    static List<Item> chat(int outputLen) {
        List<String[]> msgs = new ArrayList<>();
        msgs.add(new String[] {"user", "Say hello"});
        return List.of(new Item(msgs, outputLen, -1));
    }

    /** Generated shared prefix: groups × promptsPerGroup items, shuffled with {@code seed}. */
    static List<Item> generatedSharedPrefix(int groups, int promptsPerGroup, int systemLen, int questionLen,
                                            int outputLen, long seed) {
        Random rnd = new Random(seed);
        List<Item> items = new ArrayList<>(groups * promptsPerGroup);
        for (int g = 0; g < groups; g++) {
            String system = words(rnd, systemLen);
            for (int p = 0; p < promptsPerGroup; p++) {
                List<String[]> msgs = new ArrayList<>(2);
                msgs.add(new String[] {"system", system});
                msgs.add(new String[] {"user", words(rnd, questionLen)});
                items.add(new Item(msgs, outputLen, -1));
            }
        }
        Collections.shuffle(items, rnd);
        return items;
    }

    /**
     * The first {@code limit} requests of a Mooncake trace. {@code maxOutput} caps output_length
     * (0 = no cap); arrivals are compressed by {@code timeScale} (2 = twice as fast).
     */
    static List<Item> mooncake(Path trace, int limit, double timeScale, int maxOutput) throws IOException {
        List<Item> items = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(trace)) {
            String line;
            while (items.size() < limit && (line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                Map<String, Object> o = JSON.std.mapFrom(line);
                long ts = ((Number) o.get("timestamp")).longValue();
                int input = ((Number) o.get("input_length")).intValue();
                int output = ((Number) o.get("output_length")).intValue();
                List<?> ids = (List<?>) o.get("hash_ids");
                long[] hashIds = new long[ids.size()];
                for (int k = 0; k < hashIds.length; k++) hashIds[k] = ((Number) ids.get(k)).longValue();
                int out = maxOutput > 0 ? Math.min(maxOutput, Math.max(1, output)) : Math.max(1, output);
                items.add(new Item(null, hashIds, Math.max(1, input), out, (long) (ts * 1e6 / timeScale)));
            }
        }
        return items;
    }

    /**
     * Appends {@code n} pseudo-words of hash id {@code id}'s block, starting at word {@code from}: the
     * same id always yields the same words, so equal hash-id prefixes give equal text prefixes. The
     * first block starts at word 1 because the role token takes the block's first token.
     */
    static void blockText(StringBuilder sb, long id, int n, int from) {
        for (int i = from; i < from + n; i++) {
            if (sb.length() > 0) sb.append(' ');
            long h = mix(id * 0x9E3779B97F4A7C15L + i);
            int len = 3 + (int) ((h >>> 60) & 3);
            for (int c = 0; c < len; c++) {
                sb.append((char) ('a' + (int) Math.floorMod(h, 26L)));
                h /= 26;
            }
        }
    }

    private static String words(Random rnd, int n) {
        StringBuilder sb = new StringBuilder(n * 6);
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(' ');
            int len = 3 + rnd.nextInt(4);
            for (int c = 0; c < len; c++) sb.append((char) ('a' + rnd.nextInt(26)));
        }
        return sb.toString();
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
