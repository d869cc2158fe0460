// HTTP/2 server connection: nghttp2's server session driven through its memory interface
// (mem_recv / mem_send) by one reader and one writer coroutine on the TLS stream.
#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "server.hpp"

namespace evp::push_receiver {
namespace {

namespace asio = boost::asio;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

struct Stream {
  std::int32_t id = 0;
  Request request;
  Response response;
  std::size_t sent = 0;
};

class Http2Connection : public std::enable_shared_from_this<Http2Connection> {
 public:
  Http2Connection(TlsStream stream, Receiver& receiver)
      : stream_(std::move(stream)), receiver_(receiver), wake_(stream_.get_executor()) {}
  ~Http2Connection() {
    if (session_) nghttp2_session_del(session_);
  }

  asio::awaitable<void> run(Http2Settings settings) {
    if (!start(settings)) co_return;
    auto self = shared_from_this();
    asio::co_spawn(
        stream_.get_executor(), [self]() { return self->writer(); }, asio::detached);
    co_await reader();
  }

 private:
  bool start(const Http2Settings& settings) {
    nghttp2_session_callbacks* cbs = nullptr;
    if (nghttp2_session_callbacks_new(&cbs) != 0) return false;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    int rv = nghttp2_session_server_new(&session_, cbs, this);
    nghttp2_session_callbacks_del(cbs);
    if (rv != 0) return false;
    // A large stream window keeps senders from stalling on WINDOW_UPDATEs with thousands of
    // small pushes in flight; bodies are at most 4 KiB each.
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.max_concurrent_streams},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv, std::size(iv));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, 16 << 20);
    return true;
  }

  asio::awaitable<void> reader() {
    for (;;) {
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(in_), kUse);
      if (ec) break;
      if (nghttp2_session_mem_recv(session_, in_.data(), n) < 0) break;
      wake_.cancel();
      if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) break;
    }
    closed_ = true;
    wake_.cancel();
  }

  asio::awaitable<void> writer() {
    for (;;) {
      out_.clear();
      // Gather many frames into one TLS write: with thousands of small responses one
      // write per frame would dominate.
      while (out_.size() < 64 * 1024) {
        const std::uint8_t* data = nullptr;
        auto n = nghttp2_session_mem_send(session_, &data);
        if (n < 0) closed_ = true;
        if (n <= 0) break;
        out_.insert(out_.end(), data, data + n);
      }
      if (!out_.empty()) {
        auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out_), kUse);
        if (ec) break;
        continue;
      }
      if (closed_ || (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_))) break;
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(kUse);
    }
    closed_ = true;
    boost::system::error_code ignored;
    stream_.next_layer().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.next_layer().close();
  }

  Stream* acquire(std::int32_t id) {
    std::unique_ptr<Stream> s;
    if (pool_.empty()) {
      s = std::make_unique<Stream>();
    } else {
      s = std::move(pool_.back());
      pool_.pop_back();
    }
    s->id = id;
    Stream* raw = s.get();
    active_.emplace(id, std::move(s));
    return raw;
  }

  // Streams are recycled: their strings keep their capacity, so a busy connection stops
  // allocating per request.
  void release(std::int32_t id) {
    auto it = active_.find(id);
    if (it == active_.end()) return;
    std::unique_ptr<Stream> s = std::move(it->second);
    active_.erase(it);
    Request& q = s->request;
    q.method.clear(), q.path.clear(), q.ttl.clear(), q.content_encoding.clear(), q.authorization.clear();
    q.urgency.clear(), q.topic.clear(), q.body.clear();
    q.has_ttl = q.body_too_large = false;
    s->response = Response{};
    s->sent = 0;
    if (pool_.size() < 1024) pool_.push_back(std::move(s));
  }

  void dispatch(Stream& s) {
    s.request.protocol = "h2";
    s.request.tls = true;
    s.response = receiver_.handle(s.request);
    if (s.response.delay.count() <= 0) {
      respond(s);
      return;
    }
    auto self = shared_from_this();
    std::int32_t id = s.id;
    auto delay = s.response.delay;
    asio::co_spawn(
        stream_.get_executor(),
        [self, id, delay]() -> asio::awaitable<void> {
          asio::steady_timer timer(self->stream_.get_executor(), delay);
          co_await timer.async_wait(kUse);
          auto it = self->active_.find(id);  // the peer may have reset the stream meanwhile
          if (it != self->active_.end() && !self->closed_) {
            self->respond(*it->second);
            self->wake_.cancel();
          }
        },
        asio::detached);
  }

  void respond(Stream& s) {
    std::string status = std::to_string(s.response.status);
    std::string length = std::to_string(s.response.body.size());
    std::vector<nghttp2_nv> nva;
    nva.reserve(s.response.headers.size() + 2);
    auto add = [&](const std::string& name, const std::string& value) {
      nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                     reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                     NGHTTP2_NV_FLAG_NONE});
    };
    static const std::string kStatus = ":status", kLength = "content-length";
    add(kStatus, status);
    add(kLength, length);
    for (auto& [name, value] : s.response.headers) add(name, value);
    nghttp2_data_provider provider{};
    provider.source.ptr = &s;
    provider.read_callback = read_body;
    nghttp2_submit_response(session_, s.id, nva.data(), nva.size(), s.response.body.empty() ? nullptr : &provider);
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length, std::uint32_t* flags,
                           nghttp2_data_source* source, void*) {
    auto* s = static_cast<Stream*>(source->ptr);
    std::size_t n = std::min(length, s->response.body.size() - s->sent);
    std::memcpy(buf, s->response.body.data() + s->sent, n);
    s->sent += n;
    if (s->sent == s->response.body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static Http2Connection& self(void* user) { return *static_cast<Http2Connection*>(user); }

  static int on_begin_headers(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    Stream* s = self(user).acquire(frame->hd.stream_id);
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, s);
    return 0;
  }

  static int on_header(nghttp2_session* session, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
    if (!s) return 0;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);  // nghttp2 gives lower-case names
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    Request& q = s->request;
    if (n == ":method")
      q.method = v;
    else if (n == ":path")
      q.path = v;
    else if (n == "ttl")
      q.ttl = v, q.has_ttl = true;
    else if (n == "content-encoding")
      q.content_encoding = v;
    else if (n == "authorization")
      q.authorization = v;
    else if (n == "urgency")
      q.urgency = v;
    else if (n == "topic")
      q.topic = v;
    return 0;
  }

  static int on_data(nghttp2_session* session, std::uint8_t, std::int32_t stream_id, const std::uint8_t* data,
                     std::size_t len, void*) {
    auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
    if (!s) return 0;
    if (s->request.body_too_large || s->request.body.size() + len > kMaxBody) {
      s->request.body_too_large = true;  // keep reading (flow control) but stop buffering
      return 0;
    }
    s->request.body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int on_frame(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
      if (s) self(user).dispatch(*s);
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t, void* user) {
    self(user).release(stream_id);
    return 0;
  }

  TlsStream stream_;
  Receiver& receiver_;
  asio::steady_timer wake_;
  nghttp2_session* session_ = nullptr;
  bool closed_ = false;
  std::array<std::uint8_t, 16 * 1024> in_{};
  std::vector<std::uint8_t> out_;
  std::unordered_map<std::int32_t, std::unique_ptr<Stream>> active_;
  std::vector<std::unique_ptr<Stream>> pool_;
};

}  // namespace

asio::awaitable<void> serve_http2(TlsStream stream, Receiver& receiver, Http2Settings settings) {
  auto connection = std::make_shared<Http2Connection>(std::move(stream), receiver);
  co_await connection->run(settings);
}

}  // namespace evp::push_receiver
