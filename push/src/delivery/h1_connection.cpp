#include "delivery/h1_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <deque>

namespace evp::push::delivery {

namespace {

namespace http = boost::beast::http;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

template <class Stream>
class H1Connection final : public Connection, public std::enable_shared_from_this<H1Connection<Stream>> {
 public:
  H1Connection(asio::any_io_executor executor, std::unique_ptr<Stream> stream, const ClientOptions& options)
      : executor_(executor), stream_(std::move(stream)), options_(options) {}

  bool usable() const override { return !closed_; }
  bool http2() const override { return false; }
  void close() override {
    closed_ = true;
    boost::system::error_code ignored;
    socket().close(ignored);
  }

  asio::awaitable<HttpResponse> request(const HttpRequest& request) override {
    auto self = this->shared_from_this();
    HttpResponse response;
    // Wait for our turn: HTTP/1.1 has no multiplexing (pipelining is not worth its risks).
    while (busy_ && !closed_) {
      auto waiter = std::make_shared<asio::steady_timer>(executor_, asio::steady_timer::time_point::max());
      waiters_.push_back(waiter);
      co_await waiter->async_wait(use_tuple);
    }
    if (closed_) {
      wake_waiters(true);
      response.error = "connection closed";
      response.unprocessed = true;
      co_return response;
    }
    busy_ = true;

    http::request<http::string_body> message{http::verb::post, request.url.target, 11};
    std::string host =
        request.url.host.find(':') != std::string::npos ? "[" + request.url.host + "]" : request.url.host;
    if (request.url.port != (request.url.tls() ? 443 : 80)) host += ":" + std::to_string(request.url.port);
    message.set(http::field::host, host);
    for (const auto& [name, value] : request.headers) message.set(name, value);
    message.body() = request.body;
    message.keep_alive(true);
    message.prepare_payload();

    // The whole exchange has one deadline; closing the socket aborts whichever step is
    // pending. `state` outlives this frame in case the timer handler runs late.
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer deadline(executor_);
    deadline.expires_after(options_.request_timeout);
    deadline.async_wait([self, timed_out](boost::system::error_code ec) {
      if (ec || *timed_out) return;
      *timed_out = true;
      self->close();
    });

    if (request.on_submit) request.on_submit();
    auto [write_ec, written] = co_await http::async_write(*stream_, message, use_tuple);
    if (write_ec) {
      response.error = *timed_out ? "no answer within deadline" : "write failed: " + write_ec.message();
      // Nothing was answered on a reused connection that the service had already closed.
      response.unprocessed = !*timed_out && written == 0;
      closed_ = true;
    } else {
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 * 1024);
      auto [read_ec, read] = co_await http::async_read(*stream_, buffer_, parser, use_tuple);
      if (read_ec) {
        response.error = *timed_out ? "no answer within " + std::to_string(options_.request_timeout.count()) + " ms"
                                    : "read failed: " + read_ec.message();
        closed_ = true;
      } else {
        auto& answer = parser.get();
        response.status = static_cast<int>(answer.result_int());
        response.body = answer.body().substr(0, HttpResponse::kMaxBody);
        if (auto it = answer.find(http::field::retry_after); it != answer.end())
          response.retry_after.assign(it->value().data(), it->value().size());
        if (!answer.keep_alive()) closed_ = true;
      }
    }
    if (!*timed_out) *timed_out = true;  // disarm
    deadline.cancel();
    if (closed_) close();
    busy_ = false;
    wake_waiters(closed_);
    co_return response;
  }

 private:
  // One waiter takes the connection next; when it is closed, all of them learn so at once.
  void wake_waiters(bool all) {
    while (!waiters_.empty()) {
      waiters_.front()->cancel();
      waiters_.pop_front();
      if (!all) break;
    }
  }

  asio::ip::tcp::socket& socket() {
    if constexpr (std::is_same_v<Stream, asio::ip::tcp::socket>)
      return *stream_;
    else
      return stream_->next_layer();
  }

  asio::any_io_executor executor_;
  std::unique_ptr<Stream> stream_;
  ClientOptions options_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters_;
  bool busy_ = false;
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<Connection> make_h1_connection(asio::any_io_executor executor, Transport transport,
                                               const ClientOptions& options) {
  if (transport.tls) return std::make_shared<H1Connection<TlsStream>>(executor, std::move(transport.tls), options);
  return std::make_shared<H1Connection<asio::ip::tcp::socket>>(executor, std::move(transport.plain), options);
}

}  // namespace evp::push::delivery
