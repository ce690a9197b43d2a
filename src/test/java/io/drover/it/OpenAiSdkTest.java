package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnprocessableEntityException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.drover.mock.Fault;
import io.drover.mock.MockWorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The official OpenAI Java SDK, pointed at Drover in front of a mock fleet, as a user would call it. */
@Timeout(60)
class OpenAiSdkTest {
    static Harness h;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(2).outputTokens(4).build(),
                c -> c.withPolicy("round_robin"));
        client = OpenAIOkHttpClient.builder().baseUrl(h.base() + "/v1").apiKey("sk-test").maxRetries(0)
                .timeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        h.close();
    }

    static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("mock-model").addUserMessage("hello through drover");
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat().completions().create(chat().build()).validate();
        assertEquals("tok0 tok1 tok2 tok3", c.choices().getFirst().message().content().orElseThrow());
        assertEquals(4, c.usage().orElseThrow().completionTokens());
    }

    @Test
    void streamedChatCompletion() {
        ChatCompletionCreateParams p = chat().maxCompletionTokens(3)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
            List<ChatCompletionChunk> chunks = s.stream().map(ChatCompletionChunk::validate).toList();
            String text = chunks.stream().flatMap(ch -> ch.choices().stream())
                    .map(ch -> ch.delta().content().orElse("")).collect(Collectors.joining());
            assertEquals("tok0 tok1 tok2", text);
            assertEquals(3, chunks.getLast().usage().orElseThrow().completionTokens());
        }
    }

    @Test
    void streamedChatWithQuietGapsAndHeartbeats() {
        h.fleet.workers().forEach(w -> w.setTokenDelayMs(450));
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                chat().maxCompletionTokens(3).build())) {
            String text = s.stream().map(ChatCompletionChunk::validate).flatMap(ch -> ch.choices().stream())
                    .map(ch -> ch.delta().content().orElse("")).collect(Collectors.joining());
            assertEquals("tok0 tok1 tok2", text, "heartbeat comments are invisible to the SDK");
        } finally {
            h.fleet.workers().forEach(w -> w.setTokenDelayMs(0));
        }
    }

    @Test
    void completions() {
        Completion c = client.completions().create(CompletionCreateParams.builder()
                .model(CompletionCreateParams.Model.of("mock-model")).prompt("abc").maxTokens(2).build()).validate();
        assertEquals("tok0 tok1", c.choices().getFirst().text());
    }

    @Test
    void embeddings() {
        CreateEmbeddingResponse e = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("mock-model").input("some text").build()).validate();
        assertEquals(8, e.data().getFirst().embedding().size());
    }

    @Test
    void modelListing() {
        List<Model> models = client.models().list().data();
        assertEquals(1, models.size());
        assertEquals("mock-model", models.getFirst().validate().id());
    }

    @Test
    void gatewayAndWorkerErrorsBecomeSdkErrors() {
        NotFoundException nf = assertThrows(NotFoundException.class, () -> client.chat().completions()
                .create(chat().model("no-such-model").build()));
        assertEquals(404, nf.statusCode());
        assertTrue(nf.getMessage().contains("no-such-model"), nf.getMessage());
        h.fleet.workers().forEach(w -> w.setFault(Fault.status(422)));
        try {
            assertThrows(UnprocessableEntityException.class, () -> client.chat().completions().create(chat().build()));
        } finally {
            h.fleet.workers().forEach(w -> w.setFault(Fault.NONE));
        }
    }
}
