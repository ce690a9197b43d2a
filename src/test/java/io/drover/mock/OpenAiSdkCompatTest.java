package io.drover.mock;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official OpenAI Java SDK parses (and strictly validates) the mock's answers. */
@Timeout(20)
class OpenAiSdkCompatTest {
    static MockFleet fleet;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        fleet = MockFleet.start(MockWorkerOptions.builder().httpBasePort(0).outputTokens(4).build());
        client = OpenAIOkHttpClient.builder().baseUrl(fleet.urls().getFirst() + "/v1").apiKey("unused")
                .maxRetries(0).timeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        fleet.close();
    }

    static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("mock-model").addUserMessage("hello, mock");
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat().completions().create(chat().build()).validate();
        assertEquals("tok0 tok1 tok2 tok3", c.choices().getFirst().message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().getFirst().finishReason());
        assertEquals(4, c.usage().orElseThrow().completionTokens());
    }

    @Test
    void chatStreamWithUsage() {
        ChatCompletionCreateParams p = chat().maxCompletionTokens(3)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
            List<ChatCompletionChunk> chunks = s.stream().map(ChatCompletionChunk::validate).toList();
            String text = chunks.stream().flatMap(ch -> ch.choices().stream())
                    .map(ch -> ch.delta().content().orElse("")).collect(Collectors.joining());
            assertEquals("tok0 tok1 tok2", text);
            assertTrue(chunks.stream().flatMap(ch -> ch.choices().stream())
                    .anyMatch(ch -> ChatCompletionChunk.Choice.FinishReason.LENGTH.equals(ch.finishReason().orElse(null))));
            assertEquals(3, chunks.getLast().usage().orElseThrow().completionTokens());
        }
    }

    @Test
    void completionAndEmbeddings() {
        Completion c = client.completions().create(CompletionCreateParams.builder()
                .model(CompletionCreateParams.Model.of("mock-model")).prompt("abc").maxTokens(2).build()).validate();
        assertEquals("tok0 tok1", c.choices().getFirst().text());
        CreateEmbeddingResponse e = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("mock-model").input("some text").build()).validate();
        assertEquals(8, e.data().getFirst().embedding().size());
    }

    @Test
    void statusFaultBecomesSdkError() {
        fleet.worker(0).setFault(Fault.status(500));
        try {
            InternalServerException e = assertThrows(InternalServerException.class,
                    () -> client.chat().completions().create(chat().build()));
            assertEquals(500, e.statusCode());
        } finally {
            fleet.worker(0).setFault(Fault.NONE);
        }
    }
}
