#pragma once
// A response that stays open (Server-Sent Events): after the head goes out with chunked
// transfer encoding, a handler's stream body writes chunks through a StreamWriter until it
// returns; the connection then sends the last chunk and closes. The server owns the writer:
// it ends every stream when it stops, and ends one whose client hung up.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <functional>
#include <string>

namespace evp::api {

class StreamWriter {
 public:
  StreamWriter(boost::beast::tcp_stream& stream, std::chrono::seconds write_timeout);

  /// One chunk, within the write timeout. False when it could not be written: the client
  /// is gone, does not read (timeout), or the stream was aborted or ended.
  boost::asio::awaitable<bool> write(const std::string& text);

  enum class Wake { Woken, Timeout, Ended };
  /// Until wake(), `up_to` passes, or the stream must end.
  boost::asio::awaitable<Wake> wait(std::chrono::steady_clock::duration up_to);
  /// Something was queued for the body: wait() returns.
  void wake();
  /// The stream must end (server stopping, client hung up): wait() returns Ended from now on.
  void end();
  /// A client that cannot keep up: ends the stream and closes the socket at once, which also
  /// cancels a write in progress.
  void abort();
  bool ended() const { return ended_; }

 private:
  boost::beast::tcp_stream& stream_;
  std::chrono::seconds write_timeout_;
  boost::asio::steady_timer timer_;
  bool ended_ = false, woken_ = false;
};

/// The body of a streamed reply (see Reply::stream).
using StreamBody = std::function<boost::asio::awaitable<void>(StreamWriter&)>;

}  // namespace evp::api
