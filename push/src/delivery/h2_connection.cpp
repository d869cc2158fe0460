#include "delivery/h2_connection.hpp"

#include <nghttp2/nghttp2.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstring>
#include <unordered_map>

namespace evp::push::delivery {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

class H2Connection final : public Connection, public std::enable_shared_from_this<H2Connection> {
 public:
  H2Connection(asio::any_io_executor executor, std::unique_ptr<TlsStream> stream, const ClientOptions& options)
      : executor_(executor),
        stream_(std::move(stream)),
        options_(options),
        write_signal_(executor),
        keepalive_timer_(executor) {}

  ~H2Connection() override {
    if (session_) nghttp2_session_del(session_);
  }

  bool start() {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    int rv = nghttp2_session_client_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    if (rv != 0) return false;
    // We never want server push; the window is large so the service's answers never wait
    // for a WINDOW_UPDATE round trip.
    nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                         {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
    last_activity_ = last_request_ = Clock::now();
    auto self = shared_from_this();
    asio::co_spawn(
        executor_, [self]() { return self->writer(); }, asio::detached);
    asio::co_spawn(
        executor_, [self]() { return self->reader(); }, asio::detached);
    asio::co_spawn(
        executor_, [self]() { return self->keepalive(); }, asio::detached);
    return true;
  }

  bool usable() const override { return !closed_ && !goaway_; }
  bool http2() const override { return true; }
  void close() override { fail("connection closed by client"); }

  asio::awaitable<HttpResponse> request(const HttpRequest& request) override {
    auto self = shared_from_this();  // the connection must outlive this request's wait
    auto stream = std::make_shared<Stream>(executor_);
    if (!usable()) {
      stream->response.error = "connection not usable";
      stream->response.unprocessed = true;
      co_return stream->response;
    }
    stream->body = request.body;
    const auto& url = request.url;
    std::string authority = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    if (url.port != 443) authority += ":" + std::to_string(url.port);
    std::string content_length = std::to_string(request.body.size());
    std::vector<nghttp2_nv> headers;
    headers.reserve(request.headers.size() + 5);
    auto add = [&](const std::string& name, const std::string& value) {
      headers.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                         reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                         NGHTTP2_NV_FLAG_NONE});
    };
    static const std::string method = ":method", post = "POST", scheme = ":scheme", https = "https",
                             authority_name = ":authority", path = ":path", length_name = "content-length";
    add(method, post);
    add(scheme, https);
    add(authority_name, authority);
    add(path, url.target);
    for (const auto& [name, value] : request.headers) add(name, value);
    add(length_name, content_length);

    nghttp2_data_provider provider{};
    provider.read_callback = read_body;
    // nghttp2 copies the header block; the body is read from `stream` through the map.
    int32_t id = nghttp2_submit_request(session_, nullptr, headers.data(), headers.size(), &provider, nullptr);
    if (id < 0) {
      if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) goaway_ = true;  // ids exhausted: time for a new connection
      stream->response.error = std::string("cannot submit request: ") + nghttp2_strerror(id);
      stream->response.unprocessed = true;
      co_return stream->response;
    }
    streams_.emplace(id, stream);
    last_request_ = Clock::now();
    signal_writer();
    if (request.on_submit) request.on_submit();

    stream->timer.expires_after(options_.request_timeout);
    co_await stream->timer.async_wait(use_tuple);
    if (!stream->done) {
      // Timed out: give up the stream; on_stream_close removes it from the map.
      stream->done = true;
      stream->response = HttpResponse{};
      stream->response.error = "no answer within " + std::to_string(options_.request_timeout.count()) + " ms";
      if (!closed_) {
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
        signal_writer();
      }
    }
    co_return stream->response;
  }

 private:
  struct Stream {
    explicit Stream(asio::any_io_executor executor) : timer(executor) {}
    std::string body;
    std::size_t offset = 0;
    HttpResponse response;
    bool done = false;
    asio::steady_timer timer;  // the request waits on it; cancelled on completion
  };

  void complete(Stream& stream) {
    if (stream.done) return;
    stream.done = true;
    stream.timer.cancel();
  }

  void signal_writer() { write_signal_.cancel(); }

  void fail(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    for (auto& [id, stream] : streams_) {
      if (stream->done) continue;
      stream->response.status = 0;
      stream->response.error = reason;
      complete(*stream);
    }
    streams_.clear();
    boost::system::error_code ignored;
    stream_->next_layer().close(ignored);
    write_signal_.cancel();
    keepalive_timer_.cancel();
  }

  asio::awaitable<void> writer() {
    std::string buffer;
    while (!closed_) {
      buffer.clear();
      // Coalesce everything nghttp2 has queued into one TLS write: with hundreds of small
      // streams in flight this is what keeps syscalls and TLS records few.
      while (buffer.size() < 64 * 1024) {
        const uint8_t* data = nullptr;
        auto n = nghttp2_session_mem_send(session_, &data);
        if (n < 0) {
          fail(std::string("HTTP/2 error: ") + nghttp2_strerror(static_cast<int>(n)));
          co_return;
        }
        if (n == 0) break;
        buffer.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
      }
      if (buffer.empty()) {
        if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) {
          fail("connection finished");  // after GOAWAY both ways
          co_return;
        }
        write_signal_.expires_at(Clock::time_point::max());
        co_await write_signal_.async_wait(use_tuple);
        continue;
      }
      auto [ec, n] = co_await asio::async_write(*stream_, asio::buffer(buffer), use_tuple);
      if (ec) {
        fail("write failed: " + ec.message());
        co_return;
      }
      last_activity_ = Clock::now();
    }
  }

  asio::awaitable<void> reader() {
    std::array<uint8_t, 16 * 1024> buffer;
    while (!closed_) {
      auto [ec, n] = co_await stream_->async_read_some(asio::buffer(buffer), use_tuple);
      if (ec) {
        fail(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated
                 ? std::string("connection closed by the service")
                 : "read failed: " + ec.message());
        co_return;
      }
      if (closed_) co_return;
      last_activity_ = Clock::now();
      auto rv = nghttp2_session_mem_recv(session_, buffer.data(), n);
      if (rv < 0) {
        fail(std::string("HTTP/2 protocol error: ") + nghttp2_strerror(static_cast<int>(rv)));
        co_return;
      }
      signal_writer();  // SETTINGS ACK, WINDOW_UPDATE, PING ACK, or RST for a late stream
    }
  }

  asio::awaitable<void> keepalive() {
    while (!closed_) {
      keepalive_timer_.expires_after(options_.ping_interval);
      co_await keepalive_timer_.async_wait(use_tuple);
      if (closed_) co_return;
      auto now = Clock::now();
      if (ping_outstanding_) {
        fail("no PING answer");
        co_return;
      }
      if (streams_.empty() && now - last_request_ >= options_.idle_timeout) {
        goaway_ = true;
        nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
        signal_writer();
        co_return;
      }
      if (now - last_activity_ >= options_.ping_interval) {
        nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
        ping_outstanding_ = true;
        signal_writer();
      }
    }
  }

  Stream* find(int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  static ssize_t read_body(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source*, void* user_data) {
    auto* stream = static_cast<H2Connection*>(user_data)->find(stream_id);
    if (!stream) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    std::size_t n = std::min(length, stream->body.size() - stream->offset);
    std::memcpy(buf, stream->body.data() + stream->offset, n);
    stream->offset += n;
    if (stream->offset == stream->body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                       const uint8_t* value, size_t valuelen, uint8_t, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto* stream = static_cast<H2Connection*>(user_data)->find(frame->hd.stream_id);
    if (!stream) return 0;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") {
      int status = 0;
      std::from_chars(v.data(), v.data() + v.size(), status);
      if (status >= 200) stream->response.status = status;  // 1xx are interim
    } else if (n == "retry-after") {
      stream->response.retry_after.assign(v);
    }
    return 0;
  }

  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                           void* user_data) {
    auto* stream = static_cast<H2Connection*>(user_data)->find(stream_id);
    if (!stream) return 0;
    auto& body = stream->response.body;
    body.append(reinterpret_cast<const char*>(data), std::min(len, HttpResponse::kMaxBody - body.size()));
    return 0;
  }

  static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* user_data) {
    auto* self = static_cast<H2Connection*>(user_data);
    auto it = self->streams_.find(stream_id);
    if (it == self->streams_.end()) return 0;
    auto stream = it->second;
    self->streams_.erase(it);
    if (stream->done) return 0;
    if (stream->response.status == 0) {
      stream->response.error = error_code == NGHTTP2_NO_ERROR
                                   ? std::string("stream closed without a response")
                                   : std::string("stream reset: ") + nghttp2_http2_strerror(error_code);
      // REFUSED_STREAM (also what nghttp2 reports for streams above a GOAWAY's last id)
      // guarantees the service did not process the request.
      stream->response.unprocessed = error_code == NGHTTP2_REFUSED_STREAM;
    }
    self->complete(*stream);
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto* self = static_cast<H2Connection*>(user_data);
    if (frame->hd.type == NGHTTP2_GOAWAY) self->goaway_ = true;
    if (frame->hd.type == NGHTTP2_PING && (frame->hd.flags & NGHTTP2_FLAG_ACK)) self->ping_outstanding_ = false;
    return 0;
  }

  asio::any_io_executor executor_;
  std::unique_ptr<TlsStream> stream_;
  ClientOptions options_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::shared_ptr<Stream>> streams_;
  asio::steady_timer write_signal_;
  asio::steady_timer keepalive_timer_;
  Clock::time_point last_activity_, last_request_;
  bool closed_ = false;
  bool goaway_ = false;
  bool ping_outstanding_ = false;
};

}  // namespace

std::shared_ptr<Connection> make_h2_connection(asio::any_io_executor executor, std::unique_ptr<TlsStream> stream,
                                               const ClientOptions& options) {
  auto connection = std::make_shared<H2Connection>(executor, std::move(stream), options);
  if (!connection->start()) return nullptr;
  return connection;
}

}  // namespace evp::push::delivery
