package io.drover.mock;

import io.helidon.webserver.CloseConnectionException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Text-generation routes in realistic engine mode: the request joins its worker's {@link Engine} and
 * the answer is paced by the engine's steps instead of fixed delays. Answers have the canned mode's
 * shape plus the cached-token counts ({@code usage.prompt_tokens_details.cached_tokens},
 * {@code meta_info.cached_tokens}). Runs on the request's virtual thread, which blocks on the engine.
 */
final class RealisticInference {
    private RealisticInference() {
    }

    /** /v1/chat/completions ({@code chat}) or /v1/completions for a tokenized prompt. */
    static void openAi(Inference.Call c, PromptBlocks prompt, boolean chat) throws InterruptedException {
        MockWorker w = c.worker();
        int[] budget = Tokens.budget(c.body(), w.outputTokens());
        int n = budget[0];
        String finish = budget[1] == 1 ? "length" : "stop";
        String id = (chat ? "chatcmpl-" : "cmpl-") + w.port() + "-" + w.nextId();
        long created = System.currentTimeMillis() / 1000;
        String model = c.model();
        int pt = prompt.tokens();
        w.tokensStarted(pt, n);
        Inference.delay(w, c.extraDelayMs());
        Engine.Request r = w.engine().submit(prompt, n);
        int generated = 0;
        try {
            if (!c.stream()) {
                await(w, r, n + 1);
                StringBuilder sb = new StringBuilder(256 + n * 6);
                sb.append("{\"id\":\"").append(id).append("\",\"object\":\"").append(chat ? "chat.completion" : "text_completion")
                        .append("\",\"created\":").append(created).append(",\"model\":");
                Json.str(sb, model).append(",\"choices\":[{\"index\":0,");
                if (chat) sb.append("\"message\":{\"role\":\"assistant\",\"content\":\"").append(Tokens.text(n)).append("\"},");
                else sb.append("\"text\":\"").append(Tokens.text(n)).append("\",");
                sb.append("\"logprobs\":null,\"finish_reason\":\"").append(finish).append("\"}],");
                Inference.usage(sb, pt, n, r.cachedTokens()).append('}');
                generated = n;
                WorkerHandler.send(c, 200, WorkerHandler.JSON_TYPE, sb.toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            String head = "{\"id\":\"" + id + "\",\"object\":\"" + (chat ? "chat.completion.chunk" : "text_completion")
                    + "\",\"created\":" + created + ",\"model\":" + Json.str(model) + ",\"choices\":[";
            Inference.Sse sse = null;
            for (int i = 0; i < n; i++) {
                await(w, r, 1);
                if (sse == null) {
                    sse = Inference.Sse.open(c);
                    if (chat) sse.event(head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}");
                }
                if (c.truncate() && i == 2) throw Inference.truncated();
                String piece = Json.str(Tokens.piece(i));
                sse.event(head + (chat ? "{\"index\":0,\"delta\":{\"content\":" + piece + "}"
                        : "{\"index\":0,\"text\":" + piece) + ",\"logprobs\":null,\"finish_reason\":null}]}");
                generated++;
            }
            await(w, r, 1);
            if (sse == null) sse = Inference.Sse.open(c);
            if (c.truncate()) throw Inference.truncated();
            sse.event(head + (chat ? "{\"index\":0,\"delta\":{}" : "{\"index\":0,\"text\":\"\"")
                    + ",\"logprobs\":null,\"finish_reason\":\"" + finish + "\"}]}");
            if (c.includeUsage()) {
                StringBuilder sb = new StringBuilder(head).append("],");
                sse.event(Inference.usage(sb, pt, n, r.cachedTokens()).append('}').toString());
            }
            sse.done();
        } finally {
            w.engine().cancel(r); // no-op once finished; frees its batch slot if the client went away
            w.tokensFinished(pt, n, generated);
        }
    }

    /** SGLang /generate: one prompt (streamed or not) or a batch of prompts (not streamed). */
    static void generate(Inference.Call c, List<?> items, boolean batch) throws InterruptedException {
        MockWorker w = c.worker();
        int[] budget = Tokens.budget(c.body(), w.outputTokens());
        int n = budget[0];
        String finishKind = budget[1] == 1 ? "length" : "stop";
        List<PromptBlocks> prompts = new ArrayList<>(items.size());
        int pt = 0;
        for (Object item : items) {
            PromptBlocks p = PromptBlocks.ofPrompt(item, c.options().blockSize());
            prompts.add(p);
            pt += p.tokens();
        }
        w.tokensStarted(pt, (long) n * items.size());
        Inference.delay(w, c.extraDelayMs());
        List<Engine.Request> reqs = new ArrayList<>(prompts.size());
        for (PromptBlocks p : prompts) reqs.add(w.engine().submit(p, n));
        long generated = 0;
        try {
            if (!c.stream()) {
                StringBuilder sb = new StringBuilder(256);
                if (batch) sb.append('[');
                for (int k = 0; k < reqs.size(); k++) {
                    Engine.Request r = reqs.get(k);
                    await(w, r, n + 1);
                    if (k > 0) sb.append(',');
                    Inference.genObject(sb, "gen-" + w.port() + "-" + w.nextId(), r.promptTokens(), n, n, finishKind, r.cachedTokens());
                }
                if (batch) sb.append(']');
                generated = (long) n * reqs.size();
                WorkerHandler.send(c, 200, WorkerHandler.JSON_TYPE, sb.toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            Engine.Request r = reqs.getFirst();
            String id = "gen-" + w.port() + "-" + w.nextId();
            Inference.Sse sse = null;
            for (int i = 0; i < n; i++) {
                await(w, r, 1);
                if (sse == null) sse = Inference.Sse.open(c);
                if (c.truncate() && i == 2) throw Inference.truncated();
                sse.event(Inference.genObject(new StringBuilder(256), id, pt, n, i + 1, i + 1 == n ? finishKind : null,
                        r.cachedTokens()).toString());
                generated++;
            }
            await(w, r, 1);
            if (sse == null) sse = Inference.Sse.open(c);
            if (c.truncate()) throw Inference.truncated();
            if (n == 0) sse.event(Inference.genObject(new StringBuilder(256), id, pt, 0, 0, finishKind, r.cachedTokens()).toString());
            sse.done();
        } finally {
            for (Engine.Request r : reqs) w.engine().cancel(r);
            w.tokensFinished(pt, (long) n * items.size(), generated);
        }
    }

    private static void await(MockWorker w, Engine.Request r, int permits) throws InterruptedException {
        if (!r.awaitTokens(permits) || w.closed()) throw new CloseConnectionException("mock fleet closed");
    }
}
