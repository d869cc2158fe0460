// Accept loops: TLS with ALPN dispatch to HTTP/2 or HTTP/1.1, and plain HTTP/1.1.
#include "server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

namespace evp::push_receiver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace std::chrono_literals;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> serve_tls(asio::ip::tcp::socket socket, asio::ssl::context& tls, Receiver& receiver,
                                Http2Settings settings) {
  TlsStream stream(beast::tcp_stream(std::move(socket)), tls);
  stream.next_layer().expires_after(30s);  // a peer that never finishes the handshake
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kUse);
  if (ec) {
    spdlog::debug("TLS handshake failed: {}", ec.message());
    co_return;
  }
  stream.next_layer().expires_never();  // HTTP/2 connections are long-lived; the sender decides
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &alpn, &alpn_len);
  if (alpn_len == 2 && std::memcmp(alpn, "h2", 2) == 0)
    co_await serve_http2(std::move(stream), receiver, settings);
  else
    co_await serve_http1(std::move(stream), receiver);
}

// Exceptions must not escape a detached connection: log and drop that connection only.
void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::warn("connection ended with an error: {}", ex.what());
  }
}

}  // namespace

asio::awaitable<void> accept_tls(asio::ip::tcp::acceptor& acceptor, asio::ssl::context& tls, Receiver& receiver,
                                 Http2Settings settings) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kUse);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep accepting
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), serve_tls(std::move(socket), tls, receiver, settings), log_exception);
  }
}

asio::awaitable<void> accept_plain(asio::ip::tcp::acceptor& acceptor, Receiver& receiver) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kUse);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), serve_http1(beast::tcp_stream(std::move(socket)), receiver), log_exception);
  }
}

}  // namespace evp::push_receiver
