package io.chain429.api.connection;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** A connection's client as log lines name it: {@code 127.0.0.1:53422}, as Vert.x writes it. */
final class Peer {

    private Peer() {
    }

    static String of(Channel channel) {
        SocketAddress address = channel.remoteAddress();
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
