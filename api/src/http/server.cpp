// api::Server: the Beast HTTP/1.1 listener and connection loop on the shared io_context.
#include "api/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/write.hpp>
#include <set>

#include "auth/jwt.hpp"
#include "http/dispatch.hpp"
#include "common/connection_limit.hpp"
#include "http/metrics.hpp"
#include "http/static_files.hpp"
#include "http/stream.hpp"
#include "http/throttle.hpp"
#include "resources/resources.hpp"

namespace evp::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

// Beast refuses headers larger than this with header_limit (answered 431).
constexpr std::uint32_t kHeaderLimit = 8 * 1024;

StaticFiles load_console(const Config& c) {
  if (c.console_dir.empty()) return {};
  std::string why;
  auto files = StaticFiles::load(c.console_dir, &why);
  if (files.empty())
    spdlog::warn("api: the console is not served: {} (CONSOLE_DIR)", why.empty() ? "its folder is empty" : why);
  else
    spdlog::info("api: console: {} file(s) from {}", files.size(), c.console_dir);
  return files;
}

JwtVerifier make_verifier(const Config& c) {
  JwtVerifier v(c.jwt_secret, c.jwt_audience, c.jwt_leeway);
  if (!c.jwks_file.empty()) {
    auto n = v.load_jwks_file(c.jwks_file);
    spdlog::info("api: {} signing key(s) loaded from {}", n, c.jwks_file);
  }
  return v;
}

}  // namespace

struct Server::Impl {
  Impl(asio::io_context& io, db::Pool& pool, ocpp::CentralSystem& ocpp, charging::Service& charging,
       push::Service* push, Config cfg)
      : config(std::move(cfg)),
        jwt(make_verifier(config)),
        limits(config),
        resolver(io.get_executor(), common::Resolver::Options{2, 256, config.push_dns_timeout}),
        services{io, pool, ocpp, push, config, jwt, metrics, charging, limits, resolver},
        console(load_console(config)),
        dispatcher(services, router, config.console_dir.empty() ? nullptr : &console),
        acceptor(io),
        connections(config.max_connections, config.max_connections_per_address) {
    for (const auto& routes : all_routes()) router.add(routes);
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> connection(tcp::socket socket, common::ConnectionLimiter::Slot slot);
  asio::awaitable<void> refuse(tcp::socket socket, bool total);
  asio::awaitable<void> stream_response(beast::tcp_stream& stream, Response res, StreamBody body);

  Config config;
  JwtVerifier jwt;
  Metrics metrics;
  Router router;
  RestLimits limits;
  common::Resolver resolver;
  Services services;
  StaticFiles console;  // before the dispatcher, which serves it
  Dispatcher dispatcher;
  tcp::acceptor acceptor;
  common::ConnectionLimiter connections;
  int refusals_in_flight = 0;
  std::set<beast::tcp_stream*> open;
  std::set<StreamWriter*> streams;  ///< open streamed responses, ended first at stop()
  bool stopping = false;
  std::uint16_t bound_port = 0;
};

asio::awaitable<void> Server::Impl::accept_loop() {
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping) break;
      // EMFILE and friends: keep serving the connections we have and try again shortly.
      spdlog::warn("api: accept failed: {}", ec.message());
      asio::steady_timer t(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await t.async_wait(kTuple);
      continue;
    }
    beast::error_code pec;
    auto peer = socket.remote_endpoint(pec).address();
    if (peer.is_v6() && peer.to_v6().is_v4_mapped()) peer = asio::ip::make_address_v4(asio::ip::v4_mapped, peer.to_v6());
    common::ConnectionLimiter::Refusal refusal{};
    auto slot = connections.try_open(pec ? std::string("?") : peer.to_string(), !pec && config.trusted_proxies.trusted(peer),
                                     &refusal);
    if (!slot) {
      const bool total = refusal == common::ConnectionLimiter::Refusal::Total;
      metrics.connection_refused(total);
      // Answering costs a coroutine and a socket for a moment: only so many at once.
      if (refusals_in_flight >= 64) {
        socket.close(pec);
        continue;
      }
      ++refusals_in_flight;
      asio::co_spawn(acceptor.get_executor(), refuse(std::move(socket), total),
                     [this](std::exception_ptr) { --refusals_in_flight; });
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), connection(std::move(socket), std::move(*slot)), asio::detached);
  }
}

// Over a connection cap: read the request head (briefly) so that the answer is seen and
// not lost in a reset, then 503 with Retry-After and close.
asio::awaitable<void> Server::Impl::refuse(tcp::socket socket, bool total) {
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(2));
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(kHeaderLimit);
  auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
  spdlog::warn("api: connection refused: {}", total ? "API_MAX_CONNECTIONS reached" : "API_MAX_CONNECTIONS_PER_ADDRESS reached");
  if (ec) co_return;
  auto res = error_response(nullptr, http::status::service_unavailable, "too_many_connections",
                            total ? "the server has too many open connections, try again shortly"
                                  : "too many open connections from your address, try again shortly");
  res.set(http::field::retry_after, "10");
  res.set("X-Request-Id", "-");
  co_await http::async_write(stream, res, kTuple);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> Server::Impl::connection(tcp::socket socket, common::ConnectionLimiter::Slot slot) {
  (void)slot;  // this socket's place under the connection caps, until it closes
  beast::tcp_stream stream(std::move(socket));
  open.insert(&stream);
  metrics.connection_opened();
  struct Cleanup {
    Impl* self;
    beast::tcp_stream* s;
    ~Cleanup() {
      self->open.erase(s);
      self->metrics.connection_closed();
    }
  } cleanup{this, &stream};

  beast::flat_buffer buffer;
  while (!stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(config.max_body_bytes);

    // Waiting for the next request on a kept-alive connection: the idle timeout.
    stream.expires_after(config.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (!ec && !parser.is_done()) {
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
        stream.expires_after(config.request_timeout);
        co_await http::async_write(stream, cont, kTuple);
      }
      // The body has its own, request-sized deadline.
      stream.expires_after(config.request_timeout);
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kTuple);
    }
    if (ec) {
      std::optional<Response> refusal;
      if (ec == http::error::body_limit)
        refusal = error_response(nullptr, http::status::payload_too_large, "payload_too_large",
                                 "request body is larger than " + std::to_string(config.max_body_bytes) + " bytes");
      else if (ec == http::error::header_limit)
        refusal = error_response(nullptr, http::status::request_header_fields_too_large, "headers_too_large",
                                 "request headers are larger than 8 KiB");
      else if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::eof &&
               ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
               ec.category() == http::make_error_code(http::error::bad_target).category())  // a parse error
        refusal = error_response(nullptr, http::status::bad_request, "bad_request", "malformed HTTP request");
      if (refusal) {
        refusal->set("X-Request-Id", "-");
        stream.expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream, *refusal, kTuple);
      }
      break;
    }

    auto& req = parser.get();
    StreamBody body;
    Response res = co_await dispatcher.handle(req, &body);
    if (body) {
      co_await stream_response(stream, std::move(res), std::move(body));
      break;
    }
    stream.expires_after(config.request_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

// A streamed response: the head (chunked, no keep-alive), then the handler's body until it
// returns, then the last chunk. A read on the socket notices the client hanging up (an SSE
// client sends nothing after its request), so its stream ends at once, not at its next write.
asio::awaitable<void> Server::Impl::stream_response(beast::tcp_stream& stream, Response res, StreamBody body) {
  http::response<http::empty_body> head(std::move(res.base()));
  head.erase(http::field::content_length);
  head.chunked(true);
  head.keep_alive(false);
  stream.expires_after(config.request_timeout);
  http::response_serializer<http::empty_body> sr(head);
  auto [ec, n] = co_await http::async_write_header(stream, sr, kTuple);
  if (ec) co_return;

  // A modest kernel buffer: a client that stops reading fills it soon, and then the stream's
  // own bounded queue, instead of parking megabytes in the kernel first.
  beast::error_code ignored;
  stream.socket().set_option(asio::socket_base::send_buffer_size(64 * 1024), ignored);
  auto writer = std::make_shared<StreamWriter>(stream, config.request_timeout);
  streams.insert(writer.get());
  struct Forget {
    Impl* self;
    StreamWriter* w;
    ~Forget() { self->streams.erase(w); }
  } forget{this, writer.get()};
  asio::co_spawn(
      stream.get_executor(),
      [](std::shared_ptr<StreamWriter> w, tcp::socket& socket) -> asio::awaitable<void> {
        char byte = 0;
        co_await socket.async_read_some(asio::buffer(&byte, 1), kTuple);
        w->end();  // hung up (or sent something, which a stream's client has no reason to)
      }(writer, stream.socket()),
      asio::detached);
  try {
    co_await body(*writer);
  } catch (const std::exception& e) {
    spdlog::error("api: stream ended by an error: {}", e.what());
  }
  if (stream.socket().is_open()) {
    stream.expires_after(std::chrono::seconds(2));
    co_await asio::async_write(stream, http::make_chunk_last(), kTuple);
  }
}

Server::Server(asio::io_context& io, db::Pool& pool, ocpp::CentralSystem& ocpp, charging::Service& charging,
               push::Service* push, Config config)
    : impl_(std::make_unique<Impl>(io, pool, ocpp, charging, push, std::move(config))) {}

Server::~Server() {
  if (impl_) {
    impl_->stopping = true;
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  }
}

void Server::start() {
  auto& a = impl_->acceptor;
  // A numeric address only: resolving a host name here would block the loop.
  tcp::endpoint ep(asio::ip::make_address(impl_->config.listen_address), impl_->config.port);
  a.open(ep.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  impl_->bound_port = a.local_endpoint().port();
  asio::co_spawn(a.get_executor(), impl_->accept_loop(), asio::detached);
  spdlog::info("api: listening on http://{}:{}", impl_->config.listen_address, impl_->bound_port);
}

asio::awaitable<void> Server::stop() {
  impl_->stopping = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  // Streams first, while their sockets are open: each says goodbye and ends its body.
  asio::steady_timer t(impl_->acceptor.get_executor());
  for (auto* w : impl_->streams) w->end();
  for (int i = 0; i < 100 && !impl_->streams.empty(); ++i) {
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(kTuple);
  }
  for (auto* s : impl_->open) s->socket().close(ignored);
  // Connections finish their current handler and then see the closed socket.
  for (int i = 0; i < 500 && !impl_->open.empty(); ++i) {
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(kTuple);
  }
}

std::uint16_t Server::port() const { return impl_->bound_port; }

}  // namespace evp::api
