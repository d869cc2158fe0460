#pragma once
/// The REST API for the PWA and station owners: Beast HTTP/1.1 on the shared io_context.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/env.hpp"
#include "common/trusted_proxies.hpp"
#include "db/db.hpp"

namespace evp::ocpp {
class CentralSystem;
}
namespace evp::push {
class Service;
}
namespace evp::charging {
class Service;
}

namespace evp::api {

struct Config {
  std::string listen_address = "0.0.0.0";
  std::uint16_t port = 8080;
  std::vector<std::string> cors_origins;        ///< PWA origins allowed by CORS
  std::string jwt_secret;                       ///< Supabase project JWT secret (HS256)
  std::string jwks_file;                        ///< optional JWKS for ES256/RS256
  std::string jwt_audience = "authenticated";   ///< expected `aud` ("" = not checked)
  std::string payment_webhook_secret;           ///< HMAC-SHA256 key for the payment webhook
  /// How long POST /charging/start waits for the station's answer before it says
  /// "no_answer" (the session stays pending: a late start is still the driver's).
  std::chrono::seconds remote_start_timeout{30};
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::seconds request_timeout{30};
  std::string version = "0.1.0";
  /// Keep-alive connections idle (no request started) longer than this are closed.
  std::chrono::seconds idle_timeout{60};
  /// Clock skew tolerated on `exp`/`nbf`.
  std::chrono::seconds jwt_leeway{30};
  /// When set, GET /metrics requires `Authorization: Bearer <metrics_token>`.
  std::string metrics_token;
  /// A signed-in user without a clients/owners row becomes a client on first request.
  bool auto_create_clients = true;
  /// Development/testing only: accept http:// and private-address push endpoints.
  bool allow_insecure_push_endpoints = false;
  /// The operator console's files, served under /console/ (CONSOLE_DIR); "" = not served.
  /// Read once at start-up.
  std::string console_dir;
  /// Deadline of a subscription endpoint's DNS lookup (PUSH_DNS_TIMEOUT_MS).
  std::chrono::milliseconds push_dns_timeout{5000};

  // Limits a hostile client meets (0 switches a cap or rate limit off).
  std::size_t max_connections = 10000;          ///< open REST sockets (API_MAX_CONNECTIONS)
  std::size_t max_connections_per_address = 256;  ///< per client address; trusted proxies exempt
  std::size_t max_subscriptions_per_user = 20;  ///< push subscriptions one user may hold
  std::uint32_t subscribe_per_hour = 60;        ///< POST /notifications/subscribe per user
  std::uint32_t test_push_per_hour = 10;        ///< POST /notifications/test per user
  /// Operators' live event streams (GET /api/v1/admin/stream) open at once (API_MAX_STREAMS).
  std::size_t max_streams = 16;
  /// Events waiting for a stream's client; one that falls further behind is disconnected
  /// (API_STREAM_QUEUE).
  std::size_t stream_queue = 256;
  /// A comment line on an idle stream this often, so proxies and clients see it alive
  /// (API_STREAM_KEEPALIVE).
  std::chrono::seconds stream_keepalive{15};
  /// Our reverse proxies (TRUSTED_PROXIES): exempt from the per-address cap, and their
  /// X-Forwarded-For address is the client's in the logs.
  common::TrustedProxies trusted_proxies;
};

/// Where the console is found without CONSOLE_DIR: api/console/ of the source tree the
/// binary was built from when it exists, else the installed copy (share/evpower/console).
std::string default_console_dir();

/// Reads API_* / JWT_* / PAYMENT_* variables (see .env.example); throws common::ConfigError.
Config config_from_env(const common::Env& env);

class Server {
 public:
  /// `push` may be null when push is disabled. Sessions, balances and payments go through
  /// `charging`; the API holds no SQL on them.
  Server(boost::asio::io_context& io, db::Pool& pool, ocpp::CentralSystem& ocpp, charging::Service& charging,
         push::Service* push, Config config);
  ~Server();
  /// Binds (throws on failure) and starts accepting; returns at once.
  void start();
  boost::asio::awaitable<void> stop();
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evp::api
