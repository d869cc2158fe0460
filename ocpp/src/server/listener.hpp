#pragma once
// The ws:// and wss:// acceptors and the HTTP part of the OCPP-J handshake.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>

#include "server/hub.hpp"

namespace evp::ocpp::detail {

class Listener {
 public:
  explicit Listener(Hub& hub);
  ~Listener();
  /// Binds ws (and wss when a certificate is configured); throws on failure.
  void start();
  /// Stops accepting; open connections are left to Hub::close_all().
  void stop();
  std::uint16_t port() const;
  std::uint16_t tls_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evp::ocpp::detail
