#pragma once
// One station's WebSocket connection, over plain TCP or TLS (`Stream` is beast::tcp_stream
// or beast::ssl_stream<beast::tcp_stream>). Only included by listener.cpp.
//
// One reader coroutine reads a frame, hands it to the Hub and waits until it is answered
// (a station's messages are processed in order). Frames go out through a bounded queue
// drained by one writer: a chain of completion handlers, so a frame to send costs no
// coroutine and an idle connection holds no writer state. Beast's own timeouts send a ping when the connection has been idle for
// ping_interval and drop it after twice that without any frame.
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "server/hub.hpp"
#include "server/write_queue.hpp"

namespace evp::ocpp::detail {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;

template <class Stream>
class WsSession final : public Connection {
 public:
  WsSession(Stream&& stream, Hub& hub, StationContext context, common::ConnectionLimiter::Slot slot)
      : Connection(std::move(context)),
        ws_(std::move(stream)),
        hub_(hub),
        queue_(hub.config().write_queue_limit),
        slot_(std::move(slot)) {}

  asio::any_io_executor executor() override { return ws_.get_executor(); }

  /// Completes the WebSocket handshake for `req` and reads until the connection ends.
  /// `self` (this session) keeps it alive while it runs.
  asio::awaitable<void> run(std::shared_ptr<WsSession> self, http::request<http::empty_body> req) {
    const auto& cfg = hub_.config();
    beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts take over
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = cfg.handshake_timeout;
    timeouts.idle_timeout = 2 * cfg.ping_interval;  // ping after half of it, drop after all of it
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "EvPower");
      res.set(http::field::sec_websocket_protocol, "ocpp1.6");
    }));
    ws_.read_message_max(cfg.max_frame_bytes);  // larger -> Beast closes with 1009
    ws_.auto_fragment(false);
    ws_.text(true);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) hub_.on_pong(*this);
    });

    auto [ec] = co_await ws_.async_accept(req, asio::as_tuple(asio::use_awaitable));
    req = {};  // the request's header fields would otherwise stay allocated for the session
    if (ec) {
      spdlog::warn("station {}: websocket handshake failed: {}", context.station_id, ec.message());
      co_return;
    }
    spdlog::info("station {} connected from {}", context.station_id, context.remote_address);
    hub_.on_open(self);
    co_await read_loop();
    // The writer may still have a frame in flight: it drains (failing) on its own and the
    // queue goes with the session.
    closed_ = true;
    hub_.on_close(self);
  }

  bool send(std::string frame) override {
    if (closed_) return false;
    if (!queue_.push(std::move(frame))) {
      spdlog::warn("station {}: write queue full ({} frames), dropping the connection", context.station_id,
                   queue_.size());
      drop();
      return false;
    }
    if (!writing_) {
      writing_ = true;
      write_next();
    }
    return true;
  }

  void close(std::uint16_t code, std::string reason) override {
    if (closed_ || close_requested_) return;
    close_requested_ = true;
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!writing_) {
      writing_ = true;
      write_next();
    }
  }

 private:
  asio::awaitable<void> read_loop() {
    const std::shared_ptr<Connection> self = shared_from_this();
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buffer_, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        log_end(ec);
        co_return;
      }
      if (ws_.got_text()) {
        // The Hub reads the frame in place (a flat_buffer is one contiguous block).
        const auto data = buffer_.data();
        const std::string_view text(static_cast<const char*>(data.data()), data.size());
        auto work = hub_.on_frame(self, text);
        buffer_.consume(buffer_.size());
        if (work) co_await std::move(*work);
      } else {
        buffer_.consume(buffer_.size());
        spdlog::warn("station {}: binary frame ignored", context.station_id);
      }
      // Between frames the buffer is empty: give it back, so an idle station holds none
      // (Beast prepares 1.5 KiB per read; the next frame's allocation costs less than
      // keeping that for every idle connection).
      buffer_.shrink_to_fit();
    }
  }

  // The single writer, as completion handlers rather than a coroutine: a frame to send
  // costs no coroutine frame and no spawn. writing_ is true from the first write_next()
  // until the queue is empty (and the closing handshake, if asked for, is done).
  void write_next() {
    if (queue_.empty() || closed_) {
      finish_writes();
      return;
    }
    ws_.async_write(asio::buffer(queue_.front()), [self = std::static_pointer_cast<WsSession>(shared_from_this())](
                                                      beast::error_code ec, std::size_t) {
      if (ec) {
        self->queue_.clear();
        self->finish_writes();
        return;
      }
      self->hub_.on_frame_sent();
      self->queue_.pop();
      self->write_next();
    });
  }

  void finish_writes() {
    if (close_requested_ && !closed_) {
      closed_ = true;
      ws_.async_close(close_reason_,
                      [self = std::static_pointer_cast<WsSession>(shared_from_this())](beast::error_code ec) {
                        if (ec) self->drop();  // the reader then ends on its own
                        self->writing_ = false;
                      });
      return;
    }
    writing_ = false;
  }

  // Ends the connection without a closing handshake (the peer is not reading).
  void drop() {
    closed_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void log_end(const beast::error_code& ec) {
    if (ec == websocket::error::closed) {
      spdlog::info("station {} disconnected ({} {})", context.station_id, ws_.reason().code,
                   std::string(ws_.reason().reason.c_str()));
    } else {
      spdlog::info("station {} connection ended: {}", context.station_id, ec.message());
    }
  }

  websocket::stream<Stream> ws_;
  Hub& hub_;
  WriteQueue queue_;
  beast::flat_buffer buffer_;
  websocket::close_reason close_reason_;
  common::ConnectionLimiter::Slot slot_;  // this socket's place under the connection caps
  bool writing_ = false;
  bool close_requested_ = false;
};

}  // namespace evp::ocpp::detail
