#pragma once
// A small blocking OCPP-J WebSocket client for the integration tests (ws and wss).
// Reads give up after a receive timeout so a broken server fails a test instead of
// hanging it.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace evp::itest {

struct ConnectOptions {
  std::string subprotocol = "ocpp1.6";  ///< "" sends no Sec-WebSocket-Protocol
  std::string user, password;           ///< HTTP Basic when user is set
  bool tls = false;
  std::string ca_file;  ///< trusted certificate for wss
  int receive_timeout_ms = 10000;
};

class WsClient {
 public:
  ~WsClient();
  /// Connects to 127.0.0.1:port with target `path`. On a refused upgrade, connected() is
  /// false and http_status() tells the server's answer.
  WsClient(std::uint16_t port, const std::string& path, ConnectOptions options = {});

  bool connected() const;
  int http_status() const;  ///< 101 on success
  std::string selected_subprotocol() const;

  void send(const std::string& text);
  /// The next text frame; nullopt on timeout or when the connection ended.
  std::optional<std::string> receive();
  /// The close code after the server closed the connection (0 if not closed by it).
  int close_code() const;

  /// Sends CALL [2, id, action, payload] and returns the next frame parsed.
  nlohmann::json call(const std::string& id, const std::string& action, const nlohmann::json& payload);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evp::itest
