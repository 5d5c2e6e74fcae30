package io.chain429.e2e;

import static io.chain429.e2e.RunningGateway.chains;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chain429.e2e.simulator.ProviderSimulator;
import io.chain429.e2e.simulator.Received;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Strict request validation, over HTTP against the running service: each malformed request is answered with a 400
 * naming its parameter, before any provider is called; fields 429chain does not know reach the provider untouched;
 * a body over the size limit gets an OpenAI-shaped 413.
 */
@ExtendWith(GatewayExtension.class)
class RequestValidationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "{\"role\":\"user\",\"content\":\"hi\"}";

    @Simulated("upstream")
    private static ProviderSimulator provider;
    private static RunningGateway gateway;
    @TempDir
    static Path folders;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void boot() throws Exception {
        gateway = GatewayFolders.start(folders, """
                version: 1
                settings:
                  defaultChain: main
                providers:
                  - id: upstream
                    type: openai-compatible
                    baseUrl: %s
                """.formatted(provider.baseUrl()), GatewayFolders.BODY_LIMIT_PROPERTIES, chains("main", "upstream/model-a"), Map.of());
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                // the body
                bad("not JSON at all", null, "invalid_json"),
                bad("", null, "invalid_json"),
                bad("[" + USER + "]", null, "invalid_json"),
                bad("\"a string\"", null, "invalid_json"),
                bad("null", null, "invalid_json"),
                bad("{\"messages\":[" + USER + "]", null, "invalid_json"),
                bad("{\"messages\":[" + USER + "]} {\"second\":\"object\"}", null, "invalid_json"),
                bad("{\"model\":\"main\",\"model\":\"other\",\"messages\":[" + USER + "]}", null, "invalid_json"),
                bad("{\"messages\":[" + USER + "],\"x_deep\":" + "[".repeat(5000) + "]".repeat(5000) + "}", null, "invalid_json"),
                // messages
                bad("{\"model\":\"main\"}", "messages", "missing_required_parameter"),
                bad("{\"messages\":null}", "messages", "missing_required_parameter"),
                bad("{\"messages\":\"hi\"}", "messages", "invalid_type"),
                bad("{\"messages\":{\"role\":\"user\"}}", "messages", "invalid_type"),
                bad("{\"messages\":[]}", "messages", "invalid_value"),
                bad("{\"messages\":[" + USER + ",\"hi\"]}", "messages[1]", "invalid_type"),
                bad("{\"messages\":[null]}", "messages[0]", "invalid_type"),
                bad("{\"messages\":[{\"content\":\"hi\"}]}", "messages[0].role", "missing_required_parameter"),
                bad("{\"messages\":[{\"role\":7,\"content\":\"hi\"}]}", "messages[0].role", "invalid_type"),
                bad("{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", "messages[0].role", "invalid_value"),
                bad("{\"messages\":[{\"role\":\"User\",\"content\":\"hi\"}]}", "messages[0].role", "invalid_value"),
                bad("{\"messages\":[{\"role\":\"user\"}]}", "messages[0].content", "missing_required_parameter"),
                bad("{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"}," + USER + ",{\"role\":\"user\",\"content\":42}]}",
                        "messages[2].content", "invalid_type"),
                bad("{\"messages\":[{\"role\":\"user\",\"content\":null}]}", "messages[0].content", "invalid_type"),
                bad("{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":null}]}", "messages[0].content", "invalid_type"),
                bad("{\"messages\":[{\"role\":\"user\",\"content\":{\"text\":\"hi\"}}]}", "messages[0].content", "invalid_type"),
                bad("{\"messages\":[{\"role\":\"user\",\"content\":true}]}", "messages[0].content", "invalid_type"),
                bad("{\"messages\":[{\"role\":\"user\",\"content\":[\"hi\"]}]}", "messages[0].content[0]", "invalid_type"),
                bad("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}", "messages[0].content[0].type",
                        "missing_required_parameter"),
                bad("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":1}]}]}", "messages[0].content[0].type", "invalid_type"),
                bad("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":5}]}]}",
                        "messages[0].content[1].text", "invalid_type"),
                bad("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}", "messages[0].content[0].text",
                        "missing_required_parameter"),
                // model
                bad("{\"model\":42,\"messages\":[" + USER + "]}", "model", "invalid_type"),
                bad("{\"model\":[\"main\"],\"messages\":[" + USER + "]}", "model", "invalid_type"),
                bad("{\"model\":\"" + "m".repeat(257) + "\",\"messages\":[" + USER + "]}", "model", "invalid_value"),
                bad("{\"model\":\"upstream/mo\u007fdel\",\"messages\":[" + USER + "]}", "model", "invalid_value"),
                bad("{\"model\":\"main\\n\",\"messages\":[" + USER + "]}", "model", "invalid_value"),
                bad("{\"model\":\"upstream/a\\u0000b\",\"messages\":[" + USER + "]}", "model", "invalid_value"),
                // stream, stream_options
                bad("{\"stream\":\"true\",\"messages\":[" + USER + "]}", "stream", "invalid_type"),
                bad("{\"stream\":1,\"messages\":[" + USER + "]}", "stream", "invalid_type"),
                bad("{\"stream_options\":{\"include_usage\":true},\"messages\":[" + USER + "]}", "stream_options", "invalid_value"),
                bad("{\"stream\":false,\"stream_options\":{\"include_usage\":true},\"messages\":[" + USER + "]}", "stream_options",
                        "invalid_value"),
                bad("{\"stream\":true,\"stream_options\":\"usage\",\"messages\":[" + USER + "]}", "stream_options", "invalid_type"),
                // n
                bad("{\"n\":0,\"messages\":[" + USER + "]}", "n", "invalid_value"),
                bad("{\"n\":17,\"messages\":[" + USER + "]}", "n", "invalid_value"),
                bad("{\"n\":-3,\"messages\":[" + USER + "]}", "n", "invalid_value"),
                bad("{\"n\":99999999999999999999999,\"messages\":[" + USER + "]}", "n", "invalid_value"),
                bad("{\"n\":1.5,\"messages\":[" + USER + "]}", "n", "invalid_type"),
                bad("{\"n\":\"2\",\"messages\":[" + USER + "]}", "n", "invalid_type"),
                // max_tokens, max_completion_tokens
                bad("{\"max_tokens\":0,\"messages\":[" + USER + "]}", "max_tokens", "invalid_value"),
                bad("{\"max_tokens\":1000001,\"messages\":[" + USER + "]}", "max_tokens", "invalid_value"),
                bad("{\"max_tokens\":\"100\",\"messages\":[" + USER + "]}", "max_tokens", "invalid_type"),
                bad("{\"max_tokens\":10.5,\"messages\":[" + USER + "]}", "max_tokens", "invalid_type"),
                bad("{\"max_tokens\":1e400,\"messages\":[" + USER + "]}", "max_tokens", "invalid_type"),
                bad("{\"max_completion_tokens\":-1,\"messages\":[" + USER + "]}", "max_completion_tokens", "invalid_value"),
                bad("{\"max_completion_tokens\":2000000,\"messages\":[" + USER + "]}", "max_completion_tokens", "invalid_value"),
                bad("{\"max_completion_tokens\":[1],\"messages\":[" + USER + "]}", "max_completion_tokens", "invalid_type"),
                // temperature, top_p
                bad("{\"temperature\":-0.1,\"messages\":[" + USER + "]}", "temperature", "invalid_value"),
                bad("{\"temperature\":2.01,\"messages\":[" + USER + "]}", "temperature", "invalid_value"),
                bad("{\"temperature\":1e400,\"messages\":[" + USER + "]}", "temperature", "invalid_value"),
                bad("{\"temperature\":\"0.7\",\"messages\":[" + USER + "]}", "temperature", "invalid_type"),
                bad("{\"top_p\":1.5,\"messages\":[" + USER + "]}", "top_p", "invalid_value"),
                bad("{\"top_p\":-1,\"messages\":[" + USER + "]}", "top_p", "invalid_value"),
                bad("{\"top_p\":true,\"messages\":[" + USER + "]}", "top_p", "invalid_type"));
    }

    private static Arguments bad(String body, String param, String code) {
        return Arguments.of(body.length() > 120 ? body.substring(0, 100) + "…(" + body.length() + " chars)" : body, body, param, code);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2} {3}")
    @MethodSource("invalidRequests")
    void anInvalidRequestIsRefusedNamingItsParameterBeforeAnyProviderIsCalled(String label, String body, String param, String code) {
        int before = provider.requestCount();

        HttpResponse<String> response = post(body.getBytes(StandardCharsets.UTF_8), "application/json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = openAiError(response);
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asText()).isEqualTo(code);
        if (param == null) {
            assertThat(error.get("param").isNull()).isTrue();
        } else {
            assertThat(error.path("param").asText()).isEqualTo(param);
            assertThat(error.path("message").asText()).contains(param.replaceAll("\\[.*", ""));
        }
        assertThat(provider.requestCount()).as("no provider was called").isEqualTo(before);
    }

    @Test
    void invalidUtf8IsNotJson() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("{\"messages\":[{\"role\":\"user\",\"content\":\"".getBytes(StandardCharsets.UTF_8));
        body.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE});
        body.writeBytes("\"}]}".getBytes(StandardCharsets.UTF_8));
        int before = provider.requestCount();

        HttpResponse<String> response = post(body.toByteArray(), "application/json");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(openAiError(response).path("code").asText()).isEqualTo("invalid_json");
        assertThat(provider.requestCount()).isEqualTo(before);
    }

    @Test
    void validRequestsOfEveryShapePassWithTheirUnknownFieldsUntouched() throws Exception {
        String body = """
                {"model":"main",
                 "messages":[
                   {"role":"developer","content":"be brief"},
                   {"role":"system","content":[{"type":"text","text":"and kind"}]},
                   {"role":"user","content":[{"type":"text","text":"what is this?"},
                                             {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}],
                    "name":"ann"},
                   {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                     "function":{"name":"look","arguments":"{}"}}]},
                   {"role":"tool","tool_call_id":"c1","content":"a cat"},
                   {"role":"assistant","refusal":"no"},
                   {"role":"function","name":"look","content":"a cat"},
                   {"role":"user","content":"","x_message_extra":true}],
                 "n":16, "max_tokens":1000000, "max_completion_tokens":1, "temperature":2, "top_p":0,
                 "stream":false, "stream_options":null, "seed":null, "user":"u-1",
                 "x_custom":{"nested":[1,2.5,"three",null,{"deep":true}]},
                 "response_format":{"type":"json_object"},
                 "tools":[{"type":"function","function":{"name":"look","parameters":{"type":"object"}}}]}""";
        int before = provider.requestCount();

        HttpResponse<String> response = post(body.getBytes(StandardCharsets.UTF_8), "application/json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(provider.requestCount()).isEqualTo(before + 1);
        JsonNode sent = JSON.readTree(body);
        JsonNode received = lastReceived().body();
        assertThat(received.path("model").asText()).isEqualTo("model-a");
        for (String field : List.of("messages", "x_custom", "response_format", "tools", "user", "n", "temperature", "top_p")) {
            assertThat(received.get(field)).as(field).isEqualTo(sent.get(field));
        }
    }

    @Test
    void nullOptionalParametersMeanTheDefault() {
        HttpResponse<String> response = post(("{\"model\":null,\"n\":null,\"max_tokens\":null,\"temperature\":null,\"top_p\":null,"
                + "\"stream\":null,\"messages\":[" + USER + "]}").getBytes(StandardCharsets.UTF_8), "application/json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void streamOptionsAreAcceptedWithAStream() {
        RunningGateway.Streamed streamed = gateway.stream("{\"model\":\"main\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[" + USER + "]}");

        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.endsWithDone()).isTrue();
        assertThat(lastReceived().body().path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @Test
    void aBodyOverTheLimitGetsAnOpenAiShaped413() {
        String padding = "x".repeat(GatewayFolders.BODY_LIMIT);
        int before = provider.requestCount();

        HttpResponse<String> response = post(("{\"messages\":[{\"role\":\"user\",\"content\":\"" + padding + "\"}]}")
                .getBytes(StandardCharsets.UTF_8), "application/json");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode error = openAiError(response);
        assertThat(error.path("code").asText()).isEqualTo("request_too_large");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).contains("1048576 bytes");
        assertThat(provider.requestCount()).isEqualTo(before);
    }

    @Test
    void aChunkedBodyOverTheLimitGetsTheSame413() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.ISO_8859_1);
            try {
                for (int i = 0; i < 2 * GatewayFolders.BODY_LIMIT / chunk.length; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException refusedMidway) {
                // the server may close the connection once it has answered: what it answered is read below
            }
            String answer = readAnswer(socket.getInputStream());

            assertThat(answer).startsWith("HTTP/1.1 413");
            JsonNode error = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).path("error");
            assertThat(error.path("code").asText()).isEqualTo("request_too_large");
        }
    }

    @Test
    void aBodyJustUnderTheLimitIsServed() {
        String prefix = "{\"model\":\"main\",\"messages\":[{\"role\":\"user\",\"content\":\"";
        String suffix = "\"}]}";
        String body = prefix + "y".repeat(GatewayFolders.BODY_LIMIT - prefix.length() - suffix.length()) + suffix;
        assertThat(body.length()).isEqualTo(GatewayFolders.BODY_LIMIT);

        HttpResponse<String> response = post(body.getBytes(StandardCharsets.UTF_8), "application/json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(lastReceived().body().path("messages").get(0).path("content").asText()).hasSize(body.length() - prefix.length() - suffix.length());
    }

    @Test
    void unknownPathsAndMethodsGetOpenAiShapedErrors() {
        HttpResponse<String> unknown = gateway.get("/v1/completions/nothing");
        HttpResponse<String> wrongMethod = gateway.get("/v1/chat/completions");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(openAiError(unknown).path("code").asText()).isEqualTo("unknown_url");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(openAiError(wrongMethod).path("code").asText()).isEqualTo("method_not_allowed");
    }

    private static Received lastReceived() {
        List<Received> received = provider.received();
        return received.get(received.size() - 1);
    }

    private static HttpResponse<String> post(byte[] body, String contentType) {
        try {
            return HTTP.send(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                    .header("Content-Type", contentType)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The error object, after checking the body is exactly {@code {"error":{"message","type","param","code"}}}. */
    static JsonNode openAiError(HttpResponse<String> response) {
        try {
            JsonNode root = JSON.readTree(response.body());
            assertThat(root.isObject()).as(response.body()).isTrue();
            assertThat(root.size()).as(response.body()).isEqualTo(1);
            JsonNode error = root.path("error");
            assertThat(error.isObject()).isTrue();
            assertThat(error.size()).as(response.body()).isEqualTo(4);
            assertThat(error.path("message").isTextual()).isTrue();
            assertThat(error.path("type").isTextual()).isTrue();
            assertThat(error.has("param") && (error.get("param").isNull() || error.get("param").isTextual())).isTrue();
            assertThat(error.has("code") && (error.get("code").isNull() || error.get("code").isTextual())).isTrue();
            return error;
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** Status line, headers and a Content-Length body of one HTTP answer. */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int length = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            bytes.write(b);
            String text = bytes.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                for (String line : text.substring(0, end).split("\r\n")) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                if (text.startsWith("HTTP/1.1 100")) {
                    bytes.reset();
                    continue;
                }
                byte[] body = in.readNBytes(Math.max(0, length));
                return text + new String(body, StandardCharsets.UTF_8);
            }
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }
}
