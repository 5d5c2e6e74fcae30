package io.chain429.api.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TransferCodingsTest {

    @ParameterizedTest
    @ValueSource(strings = {"chunked", "Chunked", "CHUNKED", ", chunked", "chunked,", ",chunked ,"})
    void chunkedAloneIsRead(String transferEncoding) {
        assertThatCode(() -> TransferCodings.check(request(HttpVersion.HTTP_1_1, transferEncoding, null))).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "chunked|12|400|Content-Length and Transfer-Encoding",
            "xchunked|12|400|Content-Length and Transfer-Encoding",
            "xchunked||400|coding is 'xchunked', not chunked",
            "chunked, gzip||400|coding is 'gzip', not chunked",
            "chunked;ext=1||400|not chunked",
            ",||400|empty",
            "chunked, chunked||400|more than once",
            "gzip, chunked||501|coding 'gzip' is not supported",
            "identity, chunked||501|coding 'identity' is not supported"})
    void anythingElseIsRefused(String transferEncoding, String contentLength, int status, String reason) {
        FramingRefusal refusal = catchThrowableOfType(FramingRefusal.class,
                () -> TransferCodings.check(request(HttpVersion.HTTP_1_1, transferEncoding, contentLength)));

        assertThat(refusal.status()).isEqualTo(status);
        assertThat(refusal.getMessage()).contains(reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked", "gzip"})
    void anHttp10RequestCannotHaveATransferEncoding(String transferEncoding) {
        FramingRefusal refusal = catchThrowableOfType(FramingRefusal.class,
                () -> TransferCodings.check(request(HttpVersion.HTTP_1_0, transferEncoding, null)));

        assertThat(refusal.status()).isEqualTo(400);
        assertThat(refusal.getMessage()).contains("HTTP/1.0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "12"})
    void aRequestWithoutTransferEncodingIsLeftToNettysContentLengthRules(String contentLength) {
        assertThatCode(() -> TransferCodings.check(request(HttpVersion.HTTP_1_1, null, contentLength.isEmpty() ? null : contentLength)))
                .doesNotThrowAnyException();
    }

    private static HttpRequest request(HttpVersion version, String transferEncoding, String contentLength) {
        HttpRequest request = new DefaultHttpRequest(version, HttpMethod.POST, "/v1/chat/completions");
        if (transferEncoding != null) {
            request.headers().add("Transfer-Encoding", transferEncoding);
        }
        if (contentLength != null) {
            request.headers().add("Content-Length", contentLength);
        }
        return request;
    }
}
