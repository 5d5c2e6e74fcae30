package io.chain429.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The model id of {@code GET /v1/models/{model}}: the rest of the path, written as clients write it. */
class RetrieveModelTest {

    @ParameterizedTest
    @CsvSource({
            "/v1/models/default, default",
            "/v1/models/groq/llama-3.1-8b-instant, groq/llama-3.1-8b-instant",
            "/v1/models/groq%2Fllama-3.1-8b-instant, groq/llama-3.1-8b-instant",
            "/v1/models/openrouter/meta-llama/llama-3.3-70b-instruct:free?x=1, openrouter/meta-llama/llama-3.3-70b-instruct:free",
            "/v1/models/openrouter%2Fmeta-llama%2Fllama-3.3-70b-instruct%3Afree, openrouter/meta-llama/llama-3.3-70b-instruct:free",
            "/v1/models/a+b, a+b",
            "/v1/models/%zz, %zz",
            "http://127.0.0.1:4290/v1/models/default, default",
    })
    void theIdIsTheRestOfThePathPercentDecoded(String target, String id) {
        assertThat(RetrieveModel.id(target)).isEqualTo(id);
    }
}
