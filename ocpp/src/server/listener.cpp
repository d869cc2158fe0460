#include "server/listener.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/handshake.hpp"
#include "server/ws_session.hpp"

namespace evp::ocpp::detail {

namespace {
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Refuses an upgrade with a short plain-text answer and closes.
template <class Stream>
asio::awaitable<void> refuse(Stream& stream, const http::request<http::empty_body>& req, int status,
                             const std::string& reason, std::int64_t retry_after = 0) {
  http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
  res.set(http::field::server, "EvPower");
  res.set(http::field::content_type, "text/plain");
  if (status == 401) res.set(http::field::www_authenticate, "Basic realm=\"OCPP\", charset=\"UTF-8\"");
  if (retry_after > 0) res.set(http::field::retry_after, std::to_string(retry_after));
  res.body() = reason + "\n";
  res.keep_alive(false);
  res.prepare_payload();
  co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
  } else {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

// An accepted socket over a connection cap: read the request (briefly) so the refusal is
// seen rather than lost in a reset, answer 503 with Retry-After and close. No TLS: a
// refusal must cost less than a session.
asio::awaitable<void> refuse_over_capacity(beast::tcp_stream stream, std::string remote, std::string why) {
  stream.expires_after(std::chrono::seconds(2));
  http::request_parser<http::empty_body> parser;
  parser.header_limit(8 * 1024);
  beast::flat_buffer buffer;
  auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  spdlog::warn("{}: refused with 503: {}", remote, why);
  if (ec) co_return;
  co_await refuse(stream, parser.get(), 503, why, 10);
}

template <class Stream>
asio::awaitable<void> serve(Hub& hub, Stream stream, std::string remote, std::string peer,
                            common::ConnectionLimiter::Slot slot) {
  // `slot` holds this socket's place under the connection caps; the session takes it over.
  const auto& cfg = hub.config();
  beast::get_lowest_layer(stream).expires_after(cfg.handshake_timeout);
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      spdlog::info("{}: TLS handshake failed: {}", remote, ec.message());
      co_return;
    }
  }
  http::request_parser<http::empty_body> parser;
  parser.header_limit(8 * 1024);
  http::request<http::empty_body> req;
  {
    beast::flat_buffer buffer;  // freed before the session starts: idle connections stay small
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      spdlog::debug("{}: no HTTP request: {}", remote, ec.message());
      co_return;
    }
    req = parser.release();
  }
  auto refuse_with = [&](int status, const std::string& reason, std::int64_t retry_after = 0) -> asio::awaitable<void> {
    spdlog::warn("{} {}: refused with {}: {}", remote, std::string(req.target()), status, reason);
    co_await refuse(stream, req, status, reason, retry_after);
  };
  if (!websocket::is_upgrade(req)) {
    co_await refuse_with(400, "WebSocket upgrade expected");
    co_return;
  }
  auto target = check_target(req.target());
  if (target.status) {
    co_await refuse_with(target.status, target.reason);
    co_return;
  }
  auto protocols = req[http::field::sec_websocket_protocol];
  if (!offers_subprotocol(protocols)) {
    co_await refuse_with(400, "Sec-WebSocket-Protocol must offer ocpp1.6 (offered: '" + std::string(protocols) + "')");
    co_return;
  }
  // Behind our own load balancer, the station is the address it forwards for.
  const std::string source = cfg.trusted_proxies.client_address(peer, req["X-Forwarded-For"]);
  auto admission =
      co_await hub.admit(target.station_id, std::string(req[http::field::authorization]), remote, source);
  if (admission.status) {
    co_await refuse_with(admission.status, "station " + target.station_id + ": " + admission.reason,
                         admission.retry_after);
    co_return;
  }
  // The session runs as a coroutine of its own and this one ends: its frame (parser,
  // refusal paths, admission) would otherwise stay allocated for the connection's life.
  auto session =
      std::make_shared<WsSession<Stream>>(std::move(stream), hub, std::move(admission.context), std::move(slot));
  auto run = session->run(session, std::move(req));
  asio::co_spawn(hub.io(), std::move(run), asio::detached);
}

struct Peer {
  std::string address;  // without port: what the caps and throttles count
  std::string remote;   // address:port, for the logs
  bool proxy = false;   // one of our proxies: carries many clients
};

Peer peer_of(const tcp::socket& s, const common::TrustedProxies& proxies) {
  beast::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return {"?", "?", false};
  auto address = ep.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return {address.to_string(), address.to_string() + ":" + std::to_string(ep.port()), proxies.trusted(address)};
}

// Refusals answered at the same time; beyond this a refused socket is just closed.
constexpr int kMaxRefusalsInFlight = 64;
}  // namespace

struct Listener::Impl {
  void refuse_socket(tcp::socket socket, std::string remote, common::ConnectionLimiter::Refusal refusal) {
    const bool total = refusal == common::ConnectionLimiter::Refusal::Total;
    std::string why = total ? "too many connections (OCPP_MAX_CONNECTIONS)"
                            : "too many connections from this address (OCPP_MAX_CONNECTIONS_PER_ADDRESS)";
    if (refusals_in_flight >= kMaxRefusalsInFlight) {
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    ++refusals_in_flight;
    asio::co_spawn(hub.io(), refuse_over_capacity(beast::tcp_stream(std::move(socket)), std::move(remote), std::move(why)),
                   [this](std::exception_ptr) { --refusals_in_flight; });
  }

  Hub& hub;
  tcp::acceptor plain, tls;
  std::unique_ptr<asio::ssl::context> ssl;
  bool stopped = false;
  int refusals_in_flight = 0;

  explicit Impl(Hub& h) : hub(h), plain(h.io()), tls(h.io()) {}

  void bind(tcp::acceptor& a, std::uint16_t port) {
    tcp::endpoint ep(asio::ip::make_address(hub.config().listen_address), port);
    a.open(ep.protocol());
    a.set_option(asio::socket_base::reuse_address(true));
    a.bind(ep);
    a.listen(asio::socket_base::max_listen_connections);
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& a, bool secure) {
    while (!stopped) {
      auto [ec, socket] = co_await a.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (stopped || ec == asio::error::operation_aborted) co_return;
        // EMFILE and friends: log and keep accepting (after a breath) instead of dying.
        spdlog::error("accept failed: {}", ec.message());
        asio::steady_timer t(hub.io(), std::chrono::milliseconds(100));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto peer = peer_of(socket, hub.config().trusted_proxies);
      common::ConnectionLimiter::Refusal refusal{};
      auto slot = hub.connection_limiter().try_open(peer.address, peer.proxy, &refusal);
      if (!slot) {
        refuse_socket(std::move(socket), std::move(peer.remote), refusal);
        continue;
      }
      if (secure) {
        asio::co_spawn(hub.io(),
                       serve(hub, TlsStream(beast::tcp_stream(std::move(socket)), *ssl), std::move(peer.remote),
                             std::move(peer.address), std::move(*slot)),
                       asio::detached);
      } else {
        asio::co_spawn(hub.io(),
                       serve(hub, beast::tcp_stream(std::move(socket)), std::move(peer.remote),
                             std::move(peer.address), std::move(*slot)),
                       asio::detached);
      }
    }
  }
};

Listener::Listener(Hub& hub) : impl_(std::make_unique<Impl>(hub)) {}
Listener::~Listener() = default;

void Listener::start() {
  const auto& cfg = impl_->hub.config();
  impl_->bind(impl_->plain, cfg.port);
  asio::co_spawn(impl_->hub.io(), impl_->accept_loop(impl_->plain, false), asio::detached);
  if (!cfg.tls_cert_file.empty() && !cfg.tls_key_file.empty()) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    ctx->use_certificate_chain_file(cfg.tls_cert_file);
    ctx->use_private_key_file(cfg.tls_key_file, asio::ssl::context::pem);
    // Idle TLS connections give their read/write buffers back (tens of KiB each).
    SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    impl_->ssl = std::move(ctx);
    impl_->bind(impl_->tls, cfg.tls_port);
    asio::co_spawn(impl_->hub.io(), impl_->accept_loop(impl_->tls, true), asio::detached);
  }
}

void Listener::stop() {
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->plain.close(ignored);
  impl_->tls.close(ignored);
}

std::uint16_t Listener::port() const {
  beast::error_code ec;
  auto ep = impl_->plain.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

std::uint16_t Listener::tls_port() const {
  beast::error_code ec;
  if (!impl_->tls.is_open()) return 0;
  auto ep = impl_->tls.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace evp::ocpp::detail
