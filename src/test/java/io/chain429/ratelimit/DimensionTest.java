package io.chain429.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chain429.ratelimit.Dimension.Unit;
import io.chain429.ratelimit.Dimension.Window;
import org.junit.jupiter.api.Test;

class DimensionTest {

    @Test
    void constantsNameTheirUnitAndWindow() {
        assertThat(Dimension.RPM).isEqualTo(new Dimension(Unit.REQUESTS, Window.MINUTE));
        assertThat(Dimension.RPH).isEqualTo(new Dimension(Unit.REQUESTS, Window.HOUR));
        assertThat(Dimension.RPD).isEqualTo(new Dimension(Unit.REQUESTS, Window.DAY));
        assertThat(Dimension.REQUESTS_PER_MONTH).isEqualTo(new Dimension(Unit.REQUESTS, Window.MONTH));
        assertThat(Dimension.TPM).isEqualTo(new Dimension(Unit.TOKENS, Window.MINUTE));
        assertThat(Dimension.TPH).isEqualTo(new Dimension(Unit.TOKENS, Window.HOUR));
        assertThat(Dimension.TPD).isEqualTo(new Dimension(Unit.TOKENS, Window.DAY));
        assertThat(Dimension.TOKENS_PER_MONTH).isEqualTo(new Dimension(Unit.TOKENS, Window.MONTH));
    }

    @Test
    void readsAsUnitPerWindow() {
        assertThat(Dimension.RPM).hasToString("requests/minute");
        assertThat(Dimension.RPH).hasToString("requests/hour");
        assertThat(Dimension.RPD).hasToString("requests/day");
        assertThat(Dimension.TPM).hasToString("tokens/minute");
        assertThat(Dimension.TPD).hasToString("tokens/day");
        assertThat(Dimension.TOKENS_PER_MONTH).hasToString("tokens/month");
        assertThat(Dimension.REQUESTS_PER_MONTH).hasToString("requests/month");
    }

    @Test
    void bothPartsAreRequired() {
        assertThatThrownBy(() -> new Dimension(null, Window.DAY)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Dimension(Unit.TOKENS, null)).isInstanceOf(NullPointerException.class);
    }
}
