#pragma once
// Transports of the push receiver: TLS listener with ALPN (h2 via nghttp2, http/1.1 via
// Beast) and an optional plain HTTP/1.1 listener. All on one io_context, as coroutines.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "receiver.hpp"

namespace evp::push_receiver {

using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

struct Http2Settings {
  unsigned max_concurrent_streams = 1000;
};

/// Serves HTTP/1.1 requests (keep-alive) until the peer closes or an error.
boost::asio::awaitable<void> serve_http1(TlsStream stream, Receiver& receiver);
boost::asio::awaitable<void> serve_http1(boost::beast::tcp_stream stream, Receiver& receiver);
/// Serves one HTTP/2 connection (ALPN h2) with nghttp2's server session.
boost::asio::awaitable<void> serve_http2(TlsStream stream, Receiver& receiver, Http2Settings settings);

/// Accept loops; they end when the acceptor is closed.
boost::asio::awaitable<void> accept_tls(boost::asio::ip::tcp::acceptor& acceptor, boost::asio::ssl::context& tls,
                                        Receiver& receiver, Http2Settings settings);
boost::asio::awaitable<void> accept_plain(boost::asio::ip::tcp::acceptor& acceptor, Receiver& receiver);

}  // namespace evp::push_receiver
