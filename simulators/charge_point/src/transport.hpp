#pragma once
// The WebSocket connection under a ChargePoint, plain or TLS, behind one small interface so
// the OCPP logic is written once.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "url.hpp"

namespace evp::sim::detail {

struct HandshakeRequest {
  WsUrl url;
  std::string target;
  std::vector<std::string> subprotocols;
  std::string authorization;  ///< full header value, empty: none
  std::string ca_file;
  bool insecure = false;
  std::chrono::milliseconds timeout{10000};
  /// Local address to connect from (empty: the kernel's choice).
  std::string source_address;
};

class Transport {
 public:
  virtual ~Transport() = default;
  /// Resolve, connect, TLS, WebSocket handshake. Returns the selected subprotocol
  /// ("" if none). Throws ConnectError.
  virtual boost::asio::awaitable<std::string> open(const HandshakeRequest& request) = 0;
  /// One complete text message. Pings are answered inside (and counted through on_ping).
  virtual boost::asio::awaitable<std::pair<boost::system::error_code, std::string>> read() = 0;
  virtual boost::asio::awaitable<boost::system::error_code> write(std::string_view text) = 0;
  /// WebSocket close handshake (bounded by the handshake timeout).
  virtual boost::asio::awaitable<void> close() = 0;
  /// Closes the socket at once; pending operations complete with an error.
  virtual void abort() = 0;
  virtual void pause(bool paused) = 0;

  std::function<void()> on_ping;
};

std::shared_ptr<Transport> make_transport(boost::asio::any_io_executor executor, bool tls);

}  // namespace evp::sim::detail
