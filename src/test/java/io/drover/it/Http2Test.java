package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.mock.MockWorkerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** Cleartext HTTP/2 (prior knowledge) on the data-plane port, JSON and streamed. */
class Http2Test {
    @Test
    void h2cServesJsonAndEventStreams() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).outputTokens(3)
                .tokenDelayMs(50).build(), c -> c)) {
            OkHttpClient client = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                    .readTimeout(10, TimeUnit.SECONDS).build();
            MediaType json = MediaType.get("application/json");
            try (Response r = client.newCall(new Request.Builder().url(h.base() + "/v1/chat/completions")
                    .post(RequestBody.create(Harness.chat("mock-model", false), json)).build()).execute()) {
                assertEquals(Protocol.H2_PRIOR_KNOWLEDGE, r.protocol());
                assertEquals(200, r.code());
                assertTrue(r.body().string().contains("chat.completion"));
            }
            try (Response r = client.newCall(new Request.Builder().url(h.base() + "/v1/chat/completions")
                    .post(RequestBody.create(Harness.chat("mock-model", true), json)).build()).execute()) {
                assertEquals(200, r.code());
                List<String> events = new ArrayList<>();
                var src = r.body().source();
                String line;
                while ((line = src.readUtf8Line()) != null) {
                    if (line.startsWith("data: ")) {
                        events.add(line);
                    }
                }
                assertEquals("data: [DONE]", events.get(events.size() - 1), events.toString());
                assertTrue(events.size() >= 5, events.toString());
            }
            client.connectionPool().evictAll();
            client.dispatcher().executorService().shutdown();
        }
    }
}
