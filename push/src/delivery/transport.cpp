#include "delivery/transport.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "delivery/address_policy.hpp"

namespace evp::push::delivery {

std::unique_ptr<asio::ssl::context> make_client_tls_context(const std::string& ca_file) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_default_verify_paths();
  if (!ca_file.empty()) {
    boost::system::error_code ec;
    ctx->load_verify_file(ca_file, ec);
    if (ec) throw std::runtime_error("cannot load CA file " + ca_file + ": " + ec.message());
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  static const unsigned char alpn[] = "\x02h2\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx->native_handle(), alpn, sizeof(alpn) - 1);
  return ctx;
}

namespace {

// Closes the socket when the deadline passes, which makes the pending operation fail with
// operation_aborted. `done` guards against the timer firing after the coroutine moved on.
struct Watchdog {
  Watchdog(asio::any_io_executor executor, asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout)
      : timer(executor), expired(std::make_shared<bool>(false)) {
    timer.expires_after(timeout);
    timer.async_wait([&socket, expired = expired](boost::system::error_code ec) {
      if (ec || *expired) return;
      *expired = true;
      boost::system::error_code ignored;
      socket.close(ignored);
    });
  }
  ~Watchdog() {
    if (!*expired) *expired = true;  // also marks "finished": a late handler must not touch the socket
    timer.cancel();
  }
  asio::steady_timer timer;
  std::shared_ptr<bool> expired;
};

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

asio::awaitable<Transport> open_transport(asio::any_io_executor executor, asio::ssl::context& tls, const Url& url,
                                          const ClientOptions& options, common::Resolver& resolver) {
  Transport out;
  // Resolved and checked here, right before connecting to exactly these addresses: a
  // check made when the subscription was stored says nothing about today's DNS answer.
  auto resolved = co_await resolve_checked(resolver, url, options.allow_insecure);
  if (!resolved.error.empty()) {
    out.error = resolved.error;
    out.policy = resolved.policy;
    co_return out;
  }
  if (!url.tls() && !options.allow_insecure) {
    out.error = "only https endpoints are accepted";
    out.policy = true;
    co_return out;
  }

  auto socket = std::make_unique<asio::ip::tcp::socket>(executor);
  const auto deadline = std::chrono::steady_clock::now() + options.connect_timeout;
  {
    Watchdog watchdog(executor, *socket, options.connect_timeout);
    auto [ec, endpoint] =
        co_await asio::async_connect(*socket, resolved.endpoints, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      out.error = "connect to " + url.host + ":" + std::to_string(url.port) + " failed: " + ec.message();
      co_return out;
    }
  }
  socket->set_option(asio::ip::tcp::no_delay(true));
  if (!url.tls()) {
    out.plain = std::move(socket);
    co_return out;
  }

  auto stream = std::make_unique<TlsStream>(std::move(*socket), tls);
  if (!is_ip_literal(url.host)) SSL_set_tlsext_host_name(stream->native_handle(), url.host.c_str());
  stream->set_verify_callback(asio::ssl::host_name_verification(url.host));
  {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    Watchdog watchdog(executor, stream->next_layer(), std::max(left, std::chrono::milliseconds(1)));
    auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      out.error = "TLS handshake with " + url.host + " failed: " + ec.message();
      co_return out;
    }
  }
  const unsigned char* proto = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(stream->native_handle(), &proto, &length);
  out.h2 = length == 2 && proto[0] == 'h' && proto[1] == '2';
  out.tls = std::move(stream);
  co_return out;
}

}  // namespace evp::push::delivery
