#include "http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <stdexcept>

namespace evp::e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

struct HttpClient::Impl {
  asio::any_io_executor executor;
  std::string host;
  std::uint16_t port;
  std::chrono::milliseconds timeout;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  asio::awaitable<void> open() {
    stream.emplace(executor);
    buffer.clear();
    stream->expires_after(timeout);
    auto [ec] = co_await stream->async_connect(tcp::endpoint(asio::ip::make_address(host), port), tuple_awaitable);
    if (ec) {
      stream.reset();
      throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + ": " + ec.message());
    }
    stream->socket().set_option(tcp::no_delay(true));
  }

  // One attempt on the current connection; `reused` tells whether the connection had
  // served a request before (then a failure before any answer byte is worth a retry).
  asio::awaitable<std::optional<HttpResponse>> attempt(const http::request<http::string_body>& req, bool reused) {
    stream->expires_after(timeout);
    auto [wec, wn] = co_await http::async_write(*stream, req, tuple_awaitable);
    if (wec) {
      stream.reset();
      if (reused) co_return std::nullopt;
      throw std::runtime_error("write " + std::string(req.target()) + ": " + wec.message());
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto [rec, rn] = co_await http::async_read(*stream, buffer, parser, tuple_awaitable);
    if (rec) {
      stream.reset();
      if (reused && (rec == http::error::end_of_stream || rec == asio::error::connection_reset)) co_return std::nullopt;
      throw std::runtime_error("read answer to " + std::string(req.target()) + ": " + rec.message());
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers[lower(std::string(f.name_string()))] = std::string(f.value());
    out.body = std::move(res.body());
    if (!res.keep_alive()) stream.reset();
    co_return out;
  }
};

HttpClient::HttpClient(asio::any_io_executor executor, std::string host, std::uint16_t port,
                       std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(Impl{std::move(executor), std::move(host), port, timeout, std::nullopt, {}})) {}

HttpClient::~HttpClient() = default;

asio::awaitable<HttpResponse> HttpClient::request(http::verb method, std::string target, std::string body,
                                                  Headers headers) {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, impl_->host + ":" + std::to_string(impl_->port));
  req.set(http::field::user_agent, "evp-e2e");
  bool has_type = false;
  for (auto& [k, v] : headers) {
    has_type = has_type || lower(k) == "content-type";
    req.set(k, v);
  }
  if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.keep_alive(true);
  req.prepare_payload();

  for (int round = 0; round < 2; ++round) {
    const bool reused = impl_->stream.has_value();
    if (!reused) co_await impl_->open();
    auto res = co_await impl_->attempt(req, reused);
    if (res) co_return std::move(*res);
  }
  throw std::runtime_error("request " + target + ": connection closed twice");
}

}  // namespace evp::e2e
