package io.chain429.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class ListenAddressTest {

    @Test
    void aPortAnotherProcessHoldsIsAMistakeNamingItsVariable() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            ListenAddress address = new ListenAddress("127.0.0.1", taken.getLocalPort(), "CHAIN429_HOST", "CHAIN429_PORT");

            assertThatThrownBy(() -> address.open(() -> bind(address)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("CHAIN429_PORT: port " + taken.getLocalPort() + " on 127.0.0.1 is already in use by another process:"
                            + " stop it or set CHAIN429_PORT to a free port");
        }
    }

    @Test
    void anAddressThatIsNotThisMachinesNamesTheHostToo() {
        // TEST-NET-1 (RFC 5737): never an address of this machine
        ListenAddress address = new ListenAddress("192.0.2.1", 4290, "CHAIN429_HOST", "CHAIN429_PORT");

        assertThatThrownBy(() -> address.open(() -> bind(address)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("CHAIN429_HOST, CHAIN429_PORT: cannot listen on 192.0.2.1:4290: ");
    }

    @Test
    void otherFailuresAreLeftAsTheyAre() {
        ListenAddress address = new ListenAddress("127.0.0.1", 4290, "CHAIN429_HOST", "CHAIN429_PORT");
        IllegalStateException failure = new IllegalStateException("no certificate", new IOException("unreadable"));

        assertThatThrownBy(() -> address.open(() -> {
            throw failure;
        })).isSameAs(failure);
    }

    /** Binds as a server wraps it: Jetty reports a bind failure as an IOException with the BindException as its cause. */
    private static void bind(ListenAddress address) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(address.host(), address.port()));
        } catch (IOException e) {
            throw new IOException("Failed to bind to " + address.host() + ":" + address.port(), e);
        }
    }
}
