package io.drover.mock;

import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Text-generation routes of a worker: /v1/chat/completions, /v1/completions and SGLang's
 * /generate, each as one JSON answer or as server-sent events. Runs on the request's virtual thread.
 */
final class Inference {
    /** Pause between the last bytes of a truncated answer and dropping its connection. */
    private static final long TRUNCATE_DRAIN_MS = 50;
    private Inference() {
    }

    /** Everything a route needs about one admitted inference request. */
    record Call(MockWorker worker, MockWorkerOptions options, ServerResponse res, Map<String, Object> body,
                long extraDelayMs, boolean truncate) {
        boolean stream() {
            return Boolean.TRUE.equals(body.get("stream"));
        }

        boolean includeUsage() {
            return body.get("stream_options") instanceof Map<?, ?> so && Boolean.TRUE.equals(so.get("include_usage"));
        }

        String model() {
            return body.get("model") instanceof String s && !s.isEmpty() ? s : options.model();
        }
    }

    static void chat(Call c) throws InterruptedException {
        Object messages = c.body().get("messages");
        if (!(messages instanceof List<?>)) {
            WorkerHandler.sendJson(c, 400, Json.error(400, "\"messages\" (array) is required"));
            return;
        }
        if (c.worker().engine() != null) RealisticInference.openAi(c, PromptBlocks.ofMessages(messages, c.options().blockSize()), true);
        else generateOpenAi(c, Tokens.countMessages(messages), true);
    }

    static void completion(Call c) throws InterruptedException {
        Object prompt = c.body().get("prompt");
        if (prompt == null) {
            WorkerHandler.sendJson(c, 400, Json.error(400, "\"prompt\" is required"));
            return;
        }
        if (c.worker().engine() != null) RealisticInference.openAi(c, PromptBlocks.ofPrompt(prompt, c.options().blockSize()), false);
        else generateOpenAi(c, Tokens.countAny(prompt), false);
    }

    private static void generateOpenAi(Call c, int prompt, boolean chat) throws InterruptedException {
        MockWorker w = c.worker();
        int[] budget = Tokens.budget(c.body(), w.outputTokens());
        int n = budget[0];
        String finish = budget[1] == 1 ? "length" : "stop";
        String id = (chat ? "chatcmpl-" : "cmpl-") + w.port() + "-" + w.nextId();
        long created = System.currentTimeMillis() / 1000;
        String model = c.model();
        int generated = 0;
        w.tokensStarted(prompt, n);
        try {
            delay(w, w.genMs() + c.extraDelayMs());
            if (!c.stream()) {
                StringBuilder sb = new StringBuilder(256 + n * 6);
                sb.append("{\"id\":\"").append(id).append("\",\"object\":\"").append(chat ? "chat.completion" : "text_completion")
                        .append("\",\"created\":").append(created).append(",\"model\":");
                Json.str(sb, model).append(",\"choices\":[{\"index\":0,");
                if (chat) sb.append("\"message\":{\"role\":\"assistant\",\"content\":\"").append(Tokens.text(n)).append("\"},");
                else sb.append("\"text\":\"").append(Tokens.text(n)).append("\",");
                sb.append("\"logprobs\":null,\"finish_reason\":\"").append(finish).append("\"}],");
                usage(sb, prompt, n).append('}');
                generated = n;
                WorkerHandler.send(c, 200, WorkerHandler.JSON_TYPE, sb.toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            String head = "{\"id\":\"" + id + "\",\"object\":\"" + (chat ? "chat.completion.chunk" : "text_completion")
                    + "\",\"created\":" + created + ",\"model\":" + Json.str(model) + ",\"choices\":[";
            Sse sse = Sse.open(c);
            if (chat) sse.event(head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}");
            for (int i = 0; i < n; i++) {
                if (i > 0) delay(w, w.tokenDelayMs());
                if (c.truncate() && i == 2) throw truncated();
                String piece = Json.str(Tokens.piece(i));
                sse.event(head + (chat ? "{\"index\":0,\"delta\":{\"content\":" + piece + "}"
                        : "{\"index\":0,\"text\":" + piece) + ",\"logprobs\":null,\"finish_reason\":null}]}");
                generated++;
            }
            if (c.truncate()) throw truncated();
            sse.event(head + (chat ? "{\"index\":0,\"delta\":{}" : "{\"index\":0,\"text\":\"\"")
                    + ",\"logprobs\":null,\"finish_reason\":\"" + finish + "\"}]}");
            if (c.includeUsage()) {
                StringBuilder sb = new StringBuilder(head).append("],");
                sse.event(usage(sb, prompt, n).append('}').toString());
            }
            sse.done();
        } finally {
            w.tokensFinished(prompt, n, generated);
        }
    }

    private static StringBuilder usage(StringBuilder sb, int prompt, int completion) {
        return usage(sb, prompt, completion, -1);
    }

    /** The OpenAI usage object; {@code cached >= 0} adds prompt_tokens_details.cached_tokens. */
    static StringBuilder usage(StringBuilder sb, int prompt, int completion, int cached) {
        sb.append("\"usage\":{\"prompt_tokens\":").append(prompt).append(",\"completion_tokens\":").append(completion)
                .append(",\"total_tokens\":").append(prompt + completion);
        if (cached >= 0) sb.append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(cached).append('}');
        return sb.append('}');
    }

    /** SGLang's native /generate: {"text", "output_ids", "meta_info"}; a list of texts answers a list. */
    static void generate(Call c) throws InterruptedException {
        Map<String, Object> body = c.body();
        Object text = body.get("text");
        Object ids = body.get("input_ids");
        if (text == null && ids == null) {
            WorkerHandler.sendJson(c, 400, Json.error(400, "either \"text\" or \"input_ids\" is required"));
            return;
        }
        Object input = text != null ? text : ids;
        boolean batch = input instanceof List<?> l && (text != null || (!l.isEmpty() && l.getFirst() instanceof List<?>));
        if (batch && c.stream()) {
            WorkerHandler.sendJson(c, 400, Json.error(400, "the mock does not stream batched /generate requests"));
            return;
        }
        MockWorker w = c.worker();
        if (w.engine() != null) {
            RealisticInference.generate(c, batch ? (List<?>) input : List.of(input), batch);
            return;
        }
        int[] budget = Tokens.budget(body, w.outputTokens());
        int n = budget[0];
        boolean length = budget[1] == 1;
        List<?> items = batch ? (List<?>) input : List.of(input);
        int prompt = 0;
        for (Object item : items) prompt += Tokens.countAny(item);
        int generated = 0;
        w.tokensStarted(prompt, (long) n * items.size());
        try {
            delay(w, w.genMs() + c.extraDelayMs());
            if (!c.stream()) {
                StringBuilder sb = new StringBuilder(256);
                if (batch) sb.append('[');
                for (int k = 0; k < items.size(); k++) {
                    if (k > 0) sb.append(',');
                    genObject(sb, "gen-" + w.port() + "-" + w.nextId(), Tokens.countAny(items.get(k)), n, n, length ? "length" : "stop");
                }
                if (batch) sb.append(']');
                generated = n * items.size();
                WorkerHandler.send(c, 200, WorkerHandler.JSON_TYPE, sb.toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            String id = "gen-" + w.port() + "-" + w.nextId();
            Sse sse = Sse.open(c);
            for (int i = 0; i < n; i++) {
                if (i > 0) delay(w, w.tokenDelayMs());
                if (c.truncate() && i == 2) throw truncated();
                sse.event(genObject(new StringBuilder(256), id, prompt, n, i + 1, i + 1 == n ? (length ? "length" : "stop") : null).toString());
                generated++;
            }
            if (c.truncate()) throw truncated();
            if (n == 0) sse.event(genObject(new StringBuilder(256), id, prompt, 0, 0, length ? "length" : "stop").toString());
            sse.done();
        } finally {
            w.tokensFinished(prompt, (long) n * items.size(), generated);
        }
    }

    private static StringBuilder genObject(StringBuilder sb, String id, int prompt, int n, int upTo, String finish) {
        return genObject(sb, id, prompt, n, upTo, finish, 0);
    }

    /** One /generate result object; {@code cached} goes to meta_info.cached_tokens. */
    static StringBuilder genObject(StringBuilder sb, String id, int prompt, int n, int upTo, String finish, int cached) {
        sb.append("{\"text\":\"").append(Tokens.text(upTo)).append("\",\"output_ids\":[");
        for (int i = 0; i < upTo; i++) sb.append(i > 0 ? "," : "").append(1000 + i);
        sb.append("],\"meta_info\":{\"id\":\"").append(id).append("\",\"finish_reason\":");
        if (finish == null) sb.append("null");
        else if (finish.equals("length")) sb.append("{\"type\":\"length\",\"length\":").append(n).append('}');
        else sb.append("{\"type\":\"stop\",\"matched\":null}");
        return sb.append(",\"prompt_tokens\":").append(prompt).append(",\"completion_tokens\":").append(upTo)
                .append(",\"cached_tokens\":").append(cached).append("}}");
    }

    /** Waits {@code ms}; drops the connection if the fleet closes meanwhile. */
    static void delay(MockWorker w, long ms) throws InterruptedException {
        if (!w.pause(ms)) throw new CloseConnectionException("mock fleet closed");
    }

    /** Lets the events already written drain to the client, then drops the connection. */
    static CloseConnectionException truncated() {
        try {
            Thread.sleep(TRUNCATE_DRAIN_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new CloseConnectionException("mock fault: truncate");
    }

    /** One SSE response: every event is written and flushed on its own; a failed write counts a cancel. */
    static final class Sse {
        private final MockWorker worker;
        private final OutputStream out;

        private Sse(MockWorker worker, OutputStream out) {
            this.worker = worker;
            this.out = out;
        }

        static Sse open(Call c) {
            c.res().status(200);
            c.res().header("Content-Type", "text/event-stream");
            c.res().header("Cache-Control", "no-cache");
            try {
                return new Sse(c.worker(), c.res().outputStream());
            } catch (RuntimeException e) {
                c.worker().cancelled();
                throw new CloseConnectionException("client gone", e);
            }
        }

        void event(String json) {
            write("data: " + json + "\n\n");
        }

        void done() {
            write("data: [DONE]\n\n");
            try {
                out.close();
            } catch (IOException | RuntimeException e) {
                worker.cancelled();
                throw new CloseConnectionException("client gone", e);
            }
        }

        private void write(String s) {
            try {
                out.write(s.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException | RuntimeException e) {
                worker.cancelled();
                throw new CloseConnectionException("client closed the stream", e);
            }
        }
    }
}
