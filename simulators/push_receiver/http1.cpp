// HTTP/1.1 (Beast), over TLS or plain TCP.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "server.hpp"

namespace evp::push_receiver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

beast::tcp_stream& lowest(beast::tcp_stream& s) { return s; }
beast::tcp_stream& lowest(TlsStream& s) { return s.next_layer(); }

template <class Stream>
asio::awaitable<void> serve(Stream& stream, Receiver& receiver, bool tls) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(kMaxBody);
    // A client may keep an idle connection this long; a half-sent request too.
    lowest(stream).expires_after(120s);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kUse);
    bool too_large = ec == http::error::body_limit;
    if (ec && !too_large) break;
    auto& req = parser.get();
    Request q;
    q.method = std::string(req.method_string());
    q.path = std::string(req.target());
    q.protocol = "http/1.1";
    q.tls = tls;
    if (auto it = req.find("ttl"); it != req.end()) {
      q.has_ttl = true;
      q.ttl = std::string(it->value());
    }
    q.content_encoding = std::string(req[http::field::content_encoding]);
    q.authorization = std::string(req[http::field::authorization]);
    q.urgency = std::string(req["urgency"]);
    q.topic = std::string(req["topic"]);
    q.body_too_large = too_large;
    if (!too_large) q.body = std::move(req.body());

    Response r = receiver.handle(q);
    if (r.delay.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, r.delay);
      co_await timer.async_wait(kUse);
    }
    http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
    for (auto& [name, value] : r.headers) res.set(name, value);
    res.body() = std::move(r.body);
    // After an unread oversized body the stream position is unknown: close.
    res.keep_alive(req.keep_alive() && !too_large);
    res.prepare_payload();
    lowest(stream).expires_after(30s);
    auto [wec, wn] = co_await http::async_write(stream, res, kUse);
    if (wec || !res.keep_alive()) break;
  }
}

}  // namespace

asio::awaitable<void> serve_http1(TlsStream stream, Receiver& receiver) {
  co_await serve(stream, receiver, true);
  lowest(stream).expires_after(5s);
  co_await stream.async_shutdown(kUse);
}

asio::awaitable<void> serve_http1(beast::tcp_stream stream, Receiver& receiver) {
  co_await serve(stream, receiver, false);
  beast::error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace evp::push_receiver
