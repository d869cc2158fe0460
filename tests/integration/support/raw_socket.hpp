#pragma once
// Plain blocking TCP for the tests that need what WsClient hides: a chosen source address
// (all of 127.0.0.0/8 is loopback, so 127.0.0.2 is "another client"), hand-written HTTP
// requests with any method, headers or bytes, and sockets that stay silent on purpose.
#include <cstdint>
#include <map>
#include <string>

namespace evp::itest {

/// A connected TCP socket, closed when destroyed.
class RawSocket {
 public:
  /// Connects to 127.0.0.1:port from `source` (e.g. "127.0.0.2"; "" = any). Throws on failure.
  RawSocket(std::uint16_t port, const std::string& source = "");
  ~RawSocket();
  RawSocket(RawSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RawSocket& operator=(RawSocket&&) = delete;

  void send(const std::string& bytes);
  /// Reads one HTTP response (head and Content-Length body); "" when the connection ended
  /// or nothing came within `timeout_ms`.
  std::string read_response(int timeout_ms = 10000);
  /// True when the peer closes the connection within `timeout_ms` (anything it sends
  /// before is discarded).
  bool closed_by_peer(int timeout_ms);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string buffered_;
};

/// The status code of an HTTP response ("HTTP/1.1 503 ..." -> 503), 0 if none.
int http_status(const std::string& response);
/// A header's value in an HTTP response ("" if absent); `name` is case-insensitive.
std::string http_header(const std::string& response, const std::string& name);
/// The body of an HTTP response.
std::string http_body(const std::string& response);

/// One request on a fresh connection: returns the whole response ("" if none).
std::string http_request(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::map<std::string, std::string>& headers = {}, const std::string& body = "",
                         const std::string& source = "");

/// A WebSocket upgrade request for /ocpp/{id} (subprotocol ocpp1.6) with extra headers.
std::string ws_upgrade_request(const std::string& target, const std::map<std::string, std::string>& headers = {});

}  // namespace evp::itest
