package io.drover.mock;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Non-generative inference routes: /v1/embeddings, /v1/rerank (SGLang shape) and /v1/classify.
 * Answers are deterministic functions of the input. Runs on the request's virtual thread.
 */
final class Extras {
    private Extras() {
    }

    /** OpenAI embeddings: input is a string, a list of strings, a list of ids or a list of id lists. */
    static void embeddings(Inference.Call c) throws InterruptedException {
        List<Object> inputs = inputs(c.body().get("input"));
        if (inputs == null) {
            WorkerHandler.sendJson(c, 400, Json.error(400, "\"input\" (string or array) is required"));
            return;
        }
        Inference.delay(c.worker(), c.worker().genMs() + c.extraDelayMs());
        int dim = c.body().get("dimensions") instanceof Number d && d.intValue() > 0 ? d.intValue() : c.options().embeddingDim();
        int prompt = 0;
        StringBuilder sb = new StringBuilder(64 + inputs.size() * dim * 12).append("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < inputs.size(); i++) {
            Object in = inputs.get(i);
            prompt += Tokens.countAny(in);
            if (i > 0) sb.append(',');
            sb.append("{\"object\":\"embedding\",\"index\":").append(i).append(",\"embedding\":");
            Json.value(sb, vector(String.valueOf(in), dim)).append('}');
        }
        sb.append("],\"model\":");
        Json.str(sb, c.model()).append(",\"usage\":{\"prompt_tokens\":").append(prompt).append(",\"total_tokens\":")
                .append(prompt).append("}}");
        WorkerHandler.send(c, 200, WorkerHandler.JSON_TYPE, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A unit-length vector seeded by the text, so equal inputs embed equally. */
    static float[] vector(String text, int dim) {
        SplittableRandom r = new SplittableRandom(text.hashCode() * 0x9E3779B97F4A7C15L);
        float[] v = new float[dim];
        double norm = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm == 0 ? 1 : norm));
        for (int i = 0; i < dim; i++) v[i] *= inv;
        return v;
    }

    private static List<Object> inputs(Object input) {
        if (input instanceof String s) return List.of(s);
        if (input instanceof List<?> l) {
            if (l.isEmpty()) return null;
            if (l.getFirst() instanceof Number) return List.of(l);
            return new ArrayList<>(l);
        }
        return null;
    }

    /**
     * SGLang rerank: {"query", "documents", "top_n"?, "return_documents"?} answers a list of
     * {index, relevance_score, document} sorted by score; the score is the share of query words
     * found in the document, plus a small deterministic tie-breaker.
     */
    static void rerank(Inference.Call c) throws InterruptedException {
        Object q = c.body().get("query");
        Object docs = c.body().get("documents");
        if (!(q instanceof String query) || !(docs instanceof List<?> documents)) {
            WorkerHandler.sendJson(c, 400, Json.error(400, "\"query\" (string) and \"documents\" (array) are required"));
            return;
        }
        Inference.delay(c.worker(), c.worker().genMs() + c.extraDelayMs());
        List<String> words = List.of(query.toLowerCase(Locale.ROOT).split("\\W+"));
        List<Map<String, Object>> out = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            String doc = String.valueOf(documents.get(i));
            String lower = doc.toLowerCase(Locale.ROOT);
            long hits = words.stream().filter(wd -> !wd.isEmpty() && lower.contains(wd)).count();
            double score = 0.99 * hits / Math.max(1, words.size()) + (Math.floorMod(doc.hashCode(), 1000) / 100_000.0);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", i);
            m.put("relevance_score", score);
            if (!Boolean.FALSE.equals(c.body().get("return_documents"))) m.put("document", doc);
            out.add(m);
        }
        out.sort(Comparator.comparingDouble((Map<String, Object> m) -> (Double) m.get("relevance_score")).reversed());
        Integer topN = Tokens.intOf(c.body().get("top_n"));
        List<Map<String, Object>> result = topN != null && topN >= 0 && topN < out.size() ? out.subList(0, topN) : out;
        WorkerHandler.send(c, 200, WorkerHandler.JSON_TYPE, Json.write(result).getBytes(StandardCharsets.UTF_8));
    }

    /** vLLM-style classification with two labels; probabilities are seeded by the input. */
    static void classify(Inference.Call c) throws InterruptedException {
        Object raw = c.body().containsKey("input") ? c.body().get("input") : c.body().get("text");
        List<Object> inputs = inputs(raw);
        if (inputs == null) {
            WorkerHandler.sendJson(c, 400, Json.error(400, "\"input\" (string or array) is required"));
            return;
        }
        Inference.delay(c.worker(), c.worker().genMs() + c.extraDelayMs());
        List<Object> data = new ArrayList<>(inputs.size());
        int prompt = 0;
        for (int i = 0; i < inputs.size(); i++) {
            String in = String.valueOf(inputs.get(i));
            prompt += Tokens.countAny(inputs.get(i));
            double p = new SplittableRandom(in.hashCode()).nextDouble();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", i);
            m.put("label", p >= 0.5 ? "LABEL_0" : "LABEL_1");
            m.put("probs", List.of(p, 1 - p));
            m.put("num_classes", 2);
            data.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", "classify-" + c.worker().port() + "-" + c.worker().nextId());
        body.put("object", "list");
        body.put("created", System.currentTimeMillis() / 1000);
        body.put("model", c.model());
        body.put("data", data);
        body.put("usage", Map.of("prompt_tokens", prompt, "total_tokens", prompt, "completion_tokens", 0));
        WorkerHandler.send(c, 200, WorkerHandler.JSON_TYPE, Json.write(body).getBytes(StandardCharsets.UTF_8));
    }
}
