package io.chain429.api;

import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/** Camel's reply writer, which 429chain's event-loop consumer calls, is still where it was: this fails on an upgrade that moves it. */
class PlatformHttpReplyWriterTest {

    @Test
    void camelsReplyWriterIsFound() {
        assertThatCode(() -> Class.forName(PlatformHttpReplyWriter.class.getName(), true, getClass().getClassLoader()))
                .doesNotThrowAnyException();
    }
}
