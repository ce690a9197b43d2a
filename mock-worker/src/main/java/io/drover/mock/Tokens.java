package io.drover.mock;

import java.util.List;
import java.util.Map;

/**
 * The mock's deterministic "model": token {@code i} of every answer is {@code "tok<i>"}, joined by
 * single spaces, and prompts are counted with an approximate tokenizer, ceil(chars / 4) per text
 * (a list of token ids counts one per id).
 */
final class Tokens {
    private Tokens() {
    }

    /** Text piece of token {@code i} as streamed: "tok0", " tok1", " tok2", ... */
    static String piece(int i) {
        return i == 0 ? "tok0" : " tok" + i;
    }

    /** The whole text of {@code n} tokens: "tok0 tok1 ... tok(n-1)". */
    static String text(int n) {
        StringBuilder sb = new StringBuilder(n * 6);
        for (int i = 0; i < n; i++) sb.append(piece(i));
        return sb.toString();
    }

    /** Approximate token count of a text: ceil(chars / 4). */
    static int count(String s) {
        return s == null ? 0 : (s.length() + 3) / 4;
    }

    /**
     * Token count of a prompt value: a string, a list of token ids, a list of strings or of id
     * lists, or chat message content parts ({"type":"text","text":...}).
     */
    static int countAny(Object v) {
        if (v instanceof String s) return count(s);
        if (v instanceof Number) return 1;
        if (v instanceof List<?> l) {
            int n = 0;
            for (Object o : l) n += countAny(o);
            return n;
        }
        if (v instanceof Map<?, ?> m) return countAny(m.get("text"));
        return 0;
    }

    /** Prompt tokens of a chat request: the contents of all messages. */
    static int countMessages(Object messages) {
        if (!(messages instanceof List<?> l)) return 0;
        int n = 0;
        for (Object o : l) {
            if (o instanceof Map<?, ?> m) n += countAny(m.get("content"));
        }
        return n;
    }

    /**
     * Tokens to generate: the worker's setting, lowered by max_tokens, max_completion_tokens or
     * sampling_params.max_new_tokens when given.
     *
     * @return {count, 1 if the limit came from the request (finish "length") else 0}
     */
    static int[] budget(Map<String, Object> body, int configured) {
        Integer limit = intOf(body.get("max_completion_tokens"));
        if (limit == null) limit = intOf(body.get("max_tokens"));
        if (limit == null && body.get("sampling_params") instanceof Map<?, ?> sp) limit = intOf(sp.get("max_new_tokens"));
        if (limit != null && limit >= 0 && limit <= configured) return new int[] {limit, 1};
        return new int[] {configured, 0};
    }

    static Integer intOf(Object o) {
        return o instanceof Number n ? n.intValue() : null;
    }
}
