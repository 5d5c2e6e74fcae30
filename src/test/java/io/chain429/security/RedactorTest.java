package io.chain429.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.chain429.core.Redactor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedactorTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56   | sk-****Op56",
            "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abwxyz | sk-****wxyz",
            "sk-ant-api03-AAAABBBBCCCCDDDDEEEEFFFF-tail | sk-****tail",
            "sk-test-LEAKCANARY-0123456789abcdef        | sk-****cdef",
            "gsk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789   | gsk_****6789",
            "csk-abcdefghijklmnopqrstuvwxyz12345678     | csk-****5678",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q    | AIza****5p6Q",
            "nvapi-AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789_x | nvapi-****89_x",
            "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789   | ghp_****6789",
            "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345 | github_pat_****2345",
    })
    void everyProviderKeyShapeKeepsOnlyItsPrefixAndLastFourCharacters(String key, String masked) {
        assertThat(Redactor.redact(key)).isEqualTo(masked);
        assertThat(Redactor.redact("calling groq with key " + key + ", attempt 2")).isEqualTo("calling groq with key " + masked + ", attempt 2");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature9 | Authorization: Bearer ****ure9",
            "authorization: bearer abcdefghijklmnop                         | authorization: bearer ****mnop",
            "Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==               | Proxy-Authorization: Basic ****ZA==",
            "api-key: 0123456789abcdef0123456789abcdef                      | api-key: ****cdef",
            "x-api-key: 0123456789abcdef0123456789abcdef                    | x-api-key: ****cdef",
            "x-goog-api-key: someGoogleKeyValue1234                         | x-goog-api-key: ****1234",
            "Authorization: Bearer short                                    | Authorization: Bearer ****",
            "{Authorization=[Bearer abcdefghijklmnop], Accept=[*/*]}        | {Authorization=[Bearer ****mnop], Accept=[*/*]}",
    })
    void credentialHeaderValuesAreMasked(String line, String masked) {
        assertThat(Redactor.redact(line)).isEqualTo(masked);
    }

    @Test
    void keysInsideJsonAreMasked() {
        String json = """
                {"headers":{"Authorization":"Bearer 9f8e7d6c5b4a39281706f5e4","api-key":"mistral0123456789abcdefWXYZ"},
                 "apiKey":"gsk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789","note":"plain text stays"}""";

        String redacted = Redactor.redact(json);

        assertThat(redacted).isEqualTo("""
                {"headers":{"Authorization":"Bearer ****f5e4","api-key":"****WXYZ"},
                 "apiKey":"****6789","note":"plain text stays"}""");
    }

    @Test
    void keysInUrlQueriesAreMasked() {
        assertThat(Redactor.redact("GET https://generativelanguage.googleapis.com/v1beta/models?key=notAnAIzaShapedKey12345&alt=sse"))
                .isEqualTo("GET https://generativelanguage.googleapis.com/v1beta/models?key=****2345&alt=sse");
        assertThat(Redactor.redact("https://x.test/v1?access_token=abc")).isEqualTo("https://x.test/v1?access_token=****");
    }

    @Test
    void severalSecretsOnOneLineAreAllMasked() {
        String line = "first sk-aaaaaaaaaaaaaaaaaaaaaaaa1111 then gsk_bbbbbbbbbbbbbbbbbbbbbbbb2222 and Authorization: Bearer cccccccccccc3333 done";

        assertThat(Redactor.redact(line))
                .isEqualTo("first sk-****1111 then gsk_****2222 and Authorization: Bearer ****3333 done");
    }

    @Test
    void aMaskedValueIsLeftAsItIsSoRedactingTwiceChangesNothing() {
        String line = "provider groq (groq) enabled, key ****abcd; Authorization: Bearer ****wxyz; sk-****1234";

        assertThat(Redactor.redact(line)).isEqualTo(line);
        String once = Redactor.redact("sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56 api-key: abcdefghijkl");
        assertThat(Redactor.redact(once)).isEqualTo(once);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "429chain serving 3 chain(s) on http://127.0.0.1:4290/v1",
            "chain=default served-by=groq/llama-3.1-8b-instant attempts=1 status=200 stream=false tokens=36 ttft=- total=412ms",
            "a risk-assessment-procedure-for-everyone and a task-force-of-twenty-five-people",
            "desk_organizer_with_twenty_five_drawers, whisk-whisk-whisk-whisk-whisk",
            "skeleton keys, sk-short, gsk_tooShort, AIzaShort, nvapi-12345, ghp_abc",
            "the authorization header was missing; please check your API key",
            "https://api.groq.com/openai/v1/chat/completions?stream=true&keyword=openai",
            "asking-for-an-answer-as-soon-as-possible, mask-me-not-please-i-am-prose",
            "",
    })
    void ordinaryTextIsLeftAlone(String line) {
        assertThat(Redactor.redact(line)).isSameAs(line);
        assertThat(Redactor.containsSecret(line)).isFalse();
    }

    @Test
    void redactToAppendsWithoutAStringCopyWhenThereIsNothingToMask() {
        StringBuilder out = new StringBuilder("> ");
        Redactor.redactTo(new StringBuilder("nothing secret here"), out);
        Redactor.redactTo(" and sk-abcdefghijklmnopqrstuvwxyz", out);

        assertThat(out).hasToString("> nothing secret here and sk-****wxyz");
    }

    @Test
    void scanningOrdinaryLinesIsCheap() {
        String line = "12:00:00.000 INFO  i.c.requests chain=default served-by=groq/llama-3.1-8b-instant attempts=1 status=200 "
                + "stream=false tokens=36 ttft=- total=412ms";
        for (int i = 0; i < 20_000; i++) { // warm-up
            Redactor.redact(line);
        }
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < 200_000; i++) {
            Redactor.redact(line);
        }
        long micros = (threads.getCurrentThreadCpuTime() - start) / 1_000 / 200_000;
        // this thread's CPU time, not the wall clock, which a busy machine stretches: a few microseconds a line on any
        // machine; catches a pathological (backtracking) pattern
        assertThat(micros).isLessThan(20);
    }
}
