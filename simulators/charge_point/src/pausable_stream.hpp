#pragma once
// A stream layer that can stop all reads and writes without closing the connection.
//
// WHY: Beast answers WebSocket pings inside any pending read, so a "silent" station cannot
// be simulated by just not sending OCPP messages: it would keep ponging and the central
// system would (correctly) consider it alive. Holding the bytes below the WebSocket layer
// stops pongs too, like a station whose uplink hangs while the TCP connection stays open.
#include <boost/asio/compose.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <memory>

namespace evp::sim::detail {

template <class Next>
class PausableStream {
 public:
  using next_layer_type = Next;
  using lowest_layer_type = typename Next::socket_type;  // what asio::ssl::stream asks for
  using executor_type = typename Next::executor_type;

  template <class... Args>
  explicit PausableStream(Args&&... args)
      : next_(std::forward<Args>(args)...), gate_(std::make_shared<Gate>(next_.get_executor())) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }
  lowest_layer_type& lowest_layer() noexcept { return next_.socket(); }
  const lowest_layer_type& lowest_layer() const noexcept { return next_.socket(); }

  void pause() { gate_->paused = true; }
  /// Releases every operation held at the gate.
  void resume() {
    gate_->paused = false;
    gate_->timer.cancel();
  }
  bool paused() const { return gate_->paused; }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Op<Buffers, true>{this, gate_, buffers}, token, next_);
  }
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Op<Buffers, false>{this, gate_, buffers}, token, next_);
  }

  // Blocking forms are required by the stream concepts the SSL layer checks; unused.
  template <class Buffers>
  std::size_t read_some(const Buffers& b, boost::system::error_code& ec) {
    return next_.socket().read_some(b, ec);
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& b, boost::system::error_code& ec) {
    return next_.socket().write_some(b, ec);
  }

 private:
  struct Gate {
    explicit Gate(const executor_type& ex) : timer(ex, boost::asio::steady_timer::time_point::max()) {}
    boost::asio::steady_timer timer;
    bool paused = false;
  };

  template <class Buffers, bool IsRead>
  struct Op {
    PausableStream* self_stream;
    std::shared_ptr<Gate> gate;
    Buffers buffers;

    template <class Self>
    void operator()(Self& self) {
      step(self);
    }
    // After waiting at the gate (resume cancels the timer: operation_aborted is expected).
    template <class Self>
    void operator()(Self& self, boost::system::error_code) {
      step(self);
    }
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t n) {
      self.complete(ec, n);
    }

    template <class Self>
    void step(Self& self) {
      if (gate->paused) {
        // The timer never expires: resume() cancels it. Not re-armed here because that would
        // cancel the other direction's wait and make the two spin.
        gate->timer.async_wait(std::move(self));
        return;
      }
      if constexpr (IsRead)
        self_stream->next_.async_read_some(buffers, std::move(self));
      else
        self_stream->next_.async_write_some(buffers, std::move(self));
    }
  };

  Next next_;
  std::shared_ptr<Gate> gate_;
};

// Teardown for the WebSocket close: shut the TCP socket down underneath.
template <class Next>
void teardown(boost::beast::role_type role, PausableStream<Next>& s, boost::system::error_code& ec) {
  s.resume();
  using boost::beast::websocket::teardown;
  teardown(role, s.next_layer().socket(), ec);
}

template <class Next, class Handler>
void async_teardown(boost::beast::role_type role, PausableStream<Next>& s, Handler&& handler) {
  s.resume();
  using boost::beast::websocket::async_teardown;
  async_teardown(role, s.next_layer().socket(), std::forward<Handler>(handler));
}

}  // namespace evp::sim::detail
