package io.chain429.e2e;

import static io.chain429.e2e.RawConnection.chatRequest;
import static io.chain429.e2e.RawConnection.getRequest;
import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chain429.e2e.RawConnection.Answer;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Reply;
import io.chain429.e2e.simulator.StreamScript;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clients that take too long to send a request, over raw sockets against the running service: slow headers, a slow
 * body and an idle kept-alive connection are each closed once their time is up (short here: 400 ms, 600 ms, 1 s), with
 * a 408 where a request had begun; while a request that has arrived, a long stream or a slow provider call, is never cut.
 * The same holds for HTTP/2 in clear text (h2c), where a late body resets its stream.
 */
@ExtendWith(GatewayExtension.class)
class SlowClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration HEADERS = Duration.ofMillis(400);
    private static final Duration BODY = Duration.ofMillis(600);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(1);
    /** A client sending one byte every 20 ms: the 100-odd bytes of a request's headers take 2 s. */
    private static final Duration BYTE_BY_BYTE = Duration.ofMillis(20);
    private static final String CHAT = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}";
    private static final String STREAM = "{\"model\":\"solo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}";

    @Simulated("p")
    private static ProviderSimulator provider;
    private static RunningGateway gateway;

    @BeforeAll
    static void boot() throws Exception {
        gateway = RunningGateway.start("""
                version: 1
                providers:
                  - id: p
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(provider.baseUrl()), chains("solo", "p/m"), Map.of(
                "CHAIN429_HEADER_TIMEOUT", "400ms",
                "CHAIN429_BODY_TIMEOUT", "600ms",
                "CHAIN429_KEEP_ALIVE_TIMEOUT", "1s"));
    }

    @BeforeEach
    void normalProvider() {
        provider.reset();
    }

    @Test
    void headersSentAByteAtATimeAreAnswered408AndTheConnectionClosedAfterTheHeaderTimeout() throws Exception {
        String request = chatRequest(CHAT);
        int before = provider.requestCount();
        double counted = refusals("header_timeout");
        long start = System.nanoTime(); // the headers are due from the connection opening
        try (RawConnection client = RawConnection.to(gateway)) {
            client.trickle(request, BYTE_BY_BYTE);

            Answer answer = client.readAnswer();

            assertThat(elapsedSince(start)).isGreaterThanOrEqualTo(HEADERS);
            assertThat(client.trickled()).as("the headers were never complete").isLessThan(request.indexOf("\r\n\r\n"));
            assertTimedOut(answer, "headers");
            assertThat(client.closedByServer()).isTrue();
        }
        assertThat(provider.requestCount()).isEqualTo(before);
        assertThat(refusals("header_timeout")).as("counted for operators").isEqualTo(counted + 1);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeoutWithoutAnAnswer() throws Exception {
        long start = System.nanoTime();
        try (RawConnection client = RawConnection.to(gateway)) {
            assertThat(client.closedByServer()).as("closed, and nothing sent").isTrue();
            assertThat(elapsedSince(start)).isGreaterThanOrEqualTo(HEADERS);
        }
    }

    @Test
    void aBodySentAByteAtATimeIsAnswered408AndTheConnectionClosedAfterTheBodyTimeout() throws Exception {
        String request = chatRequest(CHAT);
        int headEnd = request.indexOf("\r\n\r\n") + 4;
        int before = provider.requestCount();
        double counted = refusals("body_timeout");
        try (RawConnection client = RawConnection.to(gateway)) {
            long start = System.nanoTime(); // the body is due from the headers' arrival
            client.send(request.substring(0, headEnd));
            client.trickle(request.substring(headEnd), BYTE_BY_BYTE);

            Answer answer = client.readAnswer();

            assertThat(elapsedSince(start)).isGreaterThanOrEqualTo(BODY);
            assertThat(client.trickled()).as("the body was never complete").isLessThan(request.length() - headEnd);
            assertTimedOut(answer, "body");
            assertThat(client.closedByServer()).isTrue();
        }
        assertThat(provider.requestCount()).isEqualTo(before);
        assertThat(refusals("body_timeout")).as("counted for operators").isEqualTo(counted + 1);
    }

    @Test
    void aKeptAliveConnectionIdlePastItsLimitIsClosedWithoutAnAnswer() throws Exception {
        try (RawConnection client = RawConnection.to(gateway)) {
            long idleFrom = System.nanoTime(); // idle from the answer, which comes after this
            client.send(getRequest("/v1/models"));
            Answer models = client.readAnswer();
            assertThat(models.status()).isEqualTo(200);
            assertThat(models.header("Connection")).as("kept alive").isNull();

            assertThat(client.closedByServer()).as("closed, and nothing sent").isTrue();
            assertThat(elapsedSince(idleFrom)).isGreaterThanOrEqualTo(KEEP_ALIVE);
        }
    }

    @Test
    void theNextRequestOnAKeptAliveConnectionHasTheHeaderTimeoutFromItsFirstByte() throws Exception {
        try (RawConnection client = RawConnection.to(gateway)) {
            client.send(getRequest("/v1/models"));
            assertThat(client.readAnswer().status()).isEqualTo(200);
            long start = System.nanoTime();
            client.trickle(getRequest("/v1/models"), BYTE_BY_BYTE);

            Answer answer = client.readAnswer();

            // answered, so not the idle limit (which closes without a word): the headers' own
            assertTimedOut(answer, "headers");
            assertThat(elapsedSince(start)).isGreaterThanOrEqualTo(HEADERS);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void aStreamLongerThanEveryTimeoutIsNotCutAndTheConnectionServesTheNextRequest() throws Exception {
        provider.then(Reply.stream(StreamScript.chat("m", "one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ",
                "nine ", "ten ", "eleven ", "twelve").interval(Duration.ofMillis(150))));
        try (RawConnection client = RawConnection.to(gateway)) {
            long start = System.nanoTime();
            client.send(chatRequest(STREAM));

            Answer streamed = client.readAnswer();

            assertThat(streamed.status()).isEqualTo(200);
            assertThat(streamed.header("Content-Type")).isEqualTo("text/event-stream");
            assertThat(streamed.body()).contains("\"twelve\"").endsWith("data: [DONE]\n\n");
            assertThat(elapsedSince(start)).as("longer than the longest timeout").isGreaterThan(KEEP_ALIVE);

            client.send(chatRequest(CHAT));
            assertThat(client.readAnswer().status()).as("the same connection, still open").isEqualTo(200);
        }
    }

    @Test
    void aProviderCallLongerThanEveryTimeoutIsNotCut() throws Exception {
        provider.then(Reply.json(200, provider.completion("m")).after(KEEP_ALIVE.plusMillis(500)));
        try (RawConnection client = RawConnection.to(gateway)) {
            client.send(chatRequest(CHAT));

            Answer answer = client.readAnswer();

            assertThat(answer.status()).isEqualTo(200);
            assertThat(JSON.readTree(answer.body()).path("choices").path(0).path("message").path("content").asText())
                    .isEqualTo("hello from p");
        }
    }

    @Test
    void pipelinedRequestsWaitingForASlowAnswerAreNotCut() throws Exception {
        provider.then(Reply.json(200, provider.completion("m")).after(KEEP_ALIVE.plusMillis(500)));
        try (RawConnection client = RawConnection.to(gateway)) {
            client.send(chatRequest(CHAT) + chatRequest(CHAT) + getRequest("/v1/models"));

            assertThat(client.readAnswer().status()).isEqualTo(200);
            assertThat(client.readAnswer().status()).isEqualTo(200);
            assertThat(client.readAnswer().status()).isEqualTo(200);
        }
    }

    @Test
    void anHttp2ConnectionIsNotCutWhileItsRequestIsAnswered() throws Exception {
        provider.then(Reply.json(200, provider.completion("m")).after(KEEP_ALIVE.plusMillis(500)));
        HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        // the h2c upgrade happens on the connection's first request; the slow one is the second
        http2.send(HttpRequest.newBuilder(gateway.uri("/v1/models")).build(), HttpResponse.BodyHandlers.discarding());

        HttpResponse<String> answer = http2.send(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(answer.statusCode()).isEqualTo(200);
    }

    @Test
    void anH2cConnectionThatOpensNoRequestIsClosedAfterTheHeaderTimeout() throws Exception {
        long start = System.nanoTime();
        try (RawHttp2Connection client = RawHttp2Connection.to(gateway)) {
            assertThat(client.closedByServer()).isTrue();
            assertThat(elapsedSince(start)).isGreaterThanOrEqualTo(HEADERS);
        }
    }

    @Test
    void anH2cRequestWhoseBodyNeverComesIsResetAfterTheBodyTimeoutAndNotSentOn() throws Exception {
        int before = provider.requestCount();
        double counted = refusals("body_timeout");
        try (RawHttp2Connection client = RawHttp2Connection.to(gateway)) {
            long start = System.nanoTime();
            client.request(1, false, ":method", "POST", ":scheme", "http", ":authority", "127.0.0.1",
                    ":path", "/v1/chat/completions", "content-type", "application/json", "content-length", String.valueOf(CHAT.length()));
            client.data(1, false, CHAT.substring(0, 10));

            RawHttp2Connection.Frame reset = client.readUntil(frame -> frame.type() == RawHttp2Connection.RST_STREAM && frame.stream() == 1);

            assertThat(reset.errorCode()).isEqualTo(RawHttp2Connection.CANCEL);
            assertThat(elapsedSince(start)).isGreaterThanOrEqualTo(BODY);
        }
        assertThat(provider.requestCount()).isEqualTo(before);
        assertThat(refusals("body_timeout")).as("counted for operators").isEqualTo(counted + 1);
    }

    @Test
    void anH2cUpgradeWhoseBodyIsSentAByteAtATimeIsClosedAfterTheBodyTimeout() throws Exception {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\nContent-Type: application/json\r\nContent-Length: "
                + CHAT.length() + "\r\n\r\n";
        int before = provider.requestCount();
        try (RawConnection client = RawConnection.to(gateway)) {
            long start = System.nanoTime();
            client.send(head);
            client.trickle(CHAT, BYTE_BY_BYTE);

            assertThat(client.closedByServerAfterAnyAnswer()).isTrue();
            assertThat(elapsedSince(start)).isGreaterThanOrEqualTo(BODY);
            assertThat(client.trickled()).as("the body was never complete").isLessThan(CHAT.length());
        }
        assertThat(provider.requestCount()).isEqualTo(before);
    }

    @Test
    void anH2cConnectionIdlePastTheKeepAliveTimeoutIsClosed() throws Exception {
        try (RawHttp2Connection client = RawHttp2Connection.to(gateway)) {
            long idleFrom = System.nanoTime(); // idle from the answer, which comes after this
            client.request(1, true, ":method", "GET", ":scheme", "http", ":authority", "127.0.0.1", ":path", "/v1/models");
            client.readUntil(frame -> frame.stream() == 1 && frame.has(RawHttp2Connection.END_STREAM));

            assertThat(client.closedByServer()).isTrue();
            assertThat(elapsedSince(idleFrom)).isGreaterThanOrEqualTo(KEEP_ALIVE);
        }
    }

    @Test
    void anH2cAnswerTheClientTakesNothingOfIsResetAfterTheKeepAliveTimeoutAndItsConnectionThenClosed() throws Exception {
        double counted = refusals("stalled_answer");
        try (RawHttp2Connection client = RawHttp2Connection.takingNothing(gateway)) {
            long start = System.nanoTime();
            client.request(1, true, ":method", "GET", ":scheme", "http", ":authority", "127.0.0.1", ":path", "/v1/models");

            // its body never came: the reset ends the stream before any DATA with END_STREAM
            RawHttp2Connection.Frame reset = client.readUntil(frame -> frame.stream() == 1
                    && (frame.type() == RawHttp2Connection.RST_STREAM || frame.has(RawHttp2Connection.END_STREAM)));

            assertThat(reset.type()).isEqualTo(RawHttp2Connection.RST_STREAM);
            assertThat(reset.errorCode()).isEqualTo(RawHttp2Connection.CANCEL);
            assertThat(elapsedSince(start)).isGreaterThanOrEqualTo(KEEP_ALIVE);
            assertThat(client.closedByServer()).as("no request open any more").isTrue();
        }
        assertThat(refusals("stalled_answer")).as("counted for operators").isEqualTo(counted + 1);
    }

    @Test
    void anH2cRequestWhoseProviderCallOutlastsEveryTimeoutIsAnswered() throws Exception {
        provider.then(Reply.json(200, provider.completion("m")).after(KEEP_ALIVE.plusMillis(500)));
        try (RawHttp2Connection client = RawHttp2Connection.to(gateway)) {
            client.request(1, false, ":method", "POST", ":scheme", "http", ":authority", "127.0.0.1",
                    ":path", "/v1/chat/completions", "content-type", "application/json", "content-length", String.valueOf(CHAT.length()));
            client.data(1, true, CHAT);

            RawHttp2Connection.Frame head = client.readUntil(frame -> frame.type() == RawHttp2Connection.HEADERS && frame.stream() == 1);
            assertThat(client.headers(head).status()).hasToString("200");
            RawHttp2Connection.Frame body = client.readUntil(frame -> frame.type() == RawHttp2Connection.DATA && frame.stream() == 1);
            assertThat(new String(body.payload(), java.nio.charset.StandardCharsets.UTF_8)).contains("hello from p");
        }
    }

    private static void assertTimedOut(Answer answer, String what) throws Exception {
        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.header("Connection")).isEqualTo("close");
        assertThat(answer.header("Content-Type")).isEqualTo("application/json");
        JsonNode error = JSON.readTree(answer.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asText()).isEqualTo("request_timeout");
        assertThat(error.path("message").asText()).contains(what);
    }

    private static double refusals(String reason) {
        return gateway.metric("chain429_client_refusals_total", "reason", reason);
    }

    private static Duration elapsedSince(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime);
    }
}
