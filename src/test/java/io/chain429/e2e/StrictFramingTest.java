package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static io.chain429.e2e.RawConnection.chatRequest;
import static io.chain429.e2e.RawConnection.getRequest;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chain429.e2e.RawConnection.Answer;
import io.chain429.e2e.simulator.ProviderSimulator;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/1.1 framing read as RFC 9112 asks, over raw sockets against the running service: a request whose length is
 * ambiguous or cannot be determined is refused and its connection closed (so nothing hidden in its body is read as a
 * second request); a body over the limit is answered 413 and its connection closed without reading the rest.
 */
@ExtendWith(GatewayExtension.class)
class StrictFramingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}";
    /** A second request hidden in the body of the first: what a smuggling client hopes the server will answer. */
    private static final String SMUGGLED = getRequest("/v1/ratelimits");

    @Simulated("p")
    private static ProviderSimulator provider;
    private static RunningGateway gateway;
    @TempDir
    static Path folders;

    @BeforeAll
    static void boot() throws Exception {
        gateway = GatewayFolders.start(folders, """
                version: 1
                providers:
                  - id: p
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(provider.baseUrl()), GatewayFolders.BODY_LIMIT_PROPERTIES, chains("solo", "p/m"), Map.of());
    }

    @Test
    void contentLengthWithTransferEncodingIsRefusedWith400AndTheConnectionClosed() throws Exception {
        // read as chunked, the body ends at "0"; read by its length, it is the whole JSON: the two readings differ
        String chunkedBody = Integer.toHexString(CHAT.length()) + "\r\n" + CHAT + "\r\n0\r\n\r\n";
        assertRefusedAndClosed(400, "invalid_framing", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + chunkedBody.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunkedBody + SMUGGLED);
    }

    @Test
    void anUnknownFinalTransferCodingWithAContentLengthIsRefusedWith400AndTheConnectionClosed() throws Exception {
        assertRefusedAndClosed(400, "invalid_framing", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + CHAT.length() + "\r\nTransfer-Encoding: xchunked\r\n\r\n"
                + CHAT + SMUGGLED);
    }

    @Test
    void aFinalTransferCodingOtherThanChunkedIsRefusedWith400AndTheConnectionClosed() throws Exception {
        assertRefusedAndClosed(400, "invalid_framing", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked, xchunked\r\n\r\n" + CHAT + SMUGGLED);
    }

    @Test
    void aTransferCodingOtherThanChunkedIsRefusedWith501AndTheConnectionClosed() throws Exception {
        String chunkedBody = Integer.toHexString(CHAT.length()) + "\r\n" + CHAT + "\r\n0\r\n\r\n";
        assertRefusedAndClosed(501, "unsupported_transfer_coding", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedBody + SMUGGLED);
    }

    @Test
    void aTransferEncodingInAnHttp10RequestIsRefusedWith400AndTheConnectionClosed() throws Exception {
        String chunkedBody = Integer.toHexString(CHAT.length()) + "\r\n" + CHAT + "\r\n0\r\n\r\n";
        assertRefusedAndClosed(400, "invalid_framing", "POST /v1/chat/completions HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n" + chunkedBody + SMUGGLED);
    }

    @Test
    void headersOverTheLimitAreRefusedWithAnOpenAiShaped431() throws Exception {
        assertRefusedAndClosed(431, "request_headers_too_large", "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
                + "x".repeat(10_000) + "\r\n\r\n");
    }

    @Test
    void aBodyOverTheLimitIsAnswered413AndTheConnectionClosedWithoutReadingTheRest() throws Exception {
        long announced = 100L * 1024 * 1024; // 100 MiB announced, 1 KiB sent
        int before = provider.requestCount();
        try (RawConnection client = RawConnection.to(gateway)) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + announced + "\r\n\r\n" + "{\"messages\":[" + " ".repeat(1024));

            Answer answer = client.readAnswer();

            assertThat(answer.status()).isEqualTo(413);
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(openAiError(answer).path("code").asText()).isEqualTo("request_too_large");
            assertThat(client.closedByServer()).as("closed with the rest of the body unsent").isTrue();
        }
        assertThat(provider.requestCount()).isEqualTo(before);
    }

    @Test
    void aChunkedBodyOverTheLimitIsAnswered413AndTheConnectionClosedWithoutReadingTheRest() throws Exception {
        String chunk = " ".repeat(64 * 1024);
        StringBuilder overLimit = new StringBuilder("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int sent = 0; sent <= GatewayFolders.BODY_LIMIT; sent += chunk.length()) {
            overLimit.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        try (RawConnection client = RawConnection.to(gateway)) {
            client.send(overLimit.toString()); // and never the last chunk

            Answer answer = client.readAnswer();

            assertThat(answer.status()).isEqualTo(413);
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void anAnswerBeforeTheBodyIsReadClosesTheConnection() throws Exception {
        try (RawConnection client = RawConnection.to(gateway)) {
            client.send("POST /v1/no-such-thing HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000000\r\n\r\n{");

            Answer answer = client.readAnswer();

            assertThat(answer.status()).isEqualTo(404);
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void wellFramedRequestsKeepTheirConnection() throws Exception {
        String chunkedBody = Integer.toHexString(CHAT.length()) + "\r\n" + CHAT + "\r\n0\r\n\r\n";
        try (RawConnection client = RawConnection.to(gateway)) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: Chunked\r\n\r\n" + chunkedBody);
            Answer chunked = client.readAnswer();
            client.send(chatRequest(CHAT));
            Answer sized = client.readAnswer();
            client.send(getRequest("/v1/models"));
            Answer models = client.readAnswer();

            assertThat(chunked.status()).as(chunked.body()).isEqualTo(200);
            assertThat(sized.status()).isEqualTo(200);
            assertThat(models.status()).isEqualTo(200);
            assertThat(models.header("Connection")).isNull();
        }
    }

    private static void assertRefusedAndClosed(int status, String code, String request) throws Exception {
        int before = provider.requestCount();
        double counted = gateway.metric("chain429_client_refusals_total", "reason", code);
        try (RawConnection client = RawConnection.to(gateway)) {
            client.send(request);

            Answer answer = client.readAnswer();

            assertThat(answer.status()).as(answer.body()).isEqualTo(status);
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(openAiError(answer).path("code").asText()).isEqualTo(code);
            assertThat(client.closedByServer()).as("closed, and nothing else answered").isTrue();
        }
        assertThat(provider.requestCount()).as("no provider was called").isEqualTo(before);
        assertThat(gateway.metric("chain429_client_refusals_total", "reason", code)).as("counted for operators").isEqualTo(counted + 1);
    }

    private static JsonNode openAiError(Answer answer) throws Exception {
        JsonNode error = JSON.readTree(answer.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).isNotBlank();
        return error;
    }
}
