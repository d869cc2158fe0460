// api::config_from_env: the REST API's environment variables (documented in docs/API.md
// and .env.example).
#include <algorithm>
#include <filesystem>

#include "api/server.hpp"

namespace evp::api {

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    auto j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    std::string item = s.substr(i, j - i);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t/") + 1);  // "https://app.example/" == "https://app.example"
    if (!item.empty()) out.push_back(item);
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string default_console_dir() {
  // The checkout this binary was built from (development), else where `cmake --install` puts it.
  std::error_code ec;
  if (std::filesystem::is_directory(EVP_SOURCE_CONSOLE_DIR, ec)) return EVP_SOURCE_CONSOLE_DIR;
  return EVP_INSTALLED_CONSOLE_DIR;
}

Config config_from_env(const common::Env& env) {
  Config c;
  c.listen_address = env.str("API_LISTEN_ADDRESS", c.listen_address);
  c.port = static_cast<std::uint16_t>(env.integer("API_PORT", c.port, 0, 65535));
  c.cors_origins = split_list(env.str("API_CORS_ORIGINS", ""));
  c.jwt_secret = env.str("JWT_SECRET", "");
  c.jwks_file = env.str("JWT_JWKS_FILE", "");
  c.jwt_audience = env.str("JWT_AUDIENCE", c.jwt_audience);
  if (c.jwt_audience == "-") c.jwt_audience.clear();  // "-": do not check aud
  c.jwt_leeway = env.seconds("JWT_LEEWAY_SECONDS", c.jwt_leeway, std::chrono::seconds(0), std::chrono::seconds(300));
  if (c.jwt_secret.empty() && c.jwks_file.empty())
    throw common::ConfigError("JWT_SECRET", "set JWT_SECRET (Supabase JWT secret) or JWT_JWKS_FILE");
  c.payment_webhook_secret = env.str("PAYMENT_WEBHOOK_SECRET", "");
  c.remote_start_timeout = env.seconds("API_REMOTE_START_TIMEOUT", c.remote_start_timeout, std::chrono::seconds(1),
                                       std::chrono::seconds(300));
  c.max_body_bytes = static_cast<std::size_t>(
      env.integer("API_MAX_BODY_BYTES", static_cast<std::int64_t>(c.max_body_bytes), 1024, 16 * 1024 * 1024));
  c.request_timeout =
      env.seconds("API_REQUEST_TIMEOUT", c.request_timeout, std::chrono::seconds(1), std::chrono::seconds(600));
  c.idle_timeout = env.seconds("API_IDLE_TIMEOUT", c.idle_timeout, std::chrono::seconds(1), std::chrono::seconds(3600));
  c.metrics_token = env.str("API_METRICS_TOKEN", "");
  c.auto_create_clients = env.boolean("API_AUTO_CREATE_CLIENTS", c.auto_create_clients);
  c.allow_insecure_push_endpoints = env.boolean("PUSH_ALLOW_INSECURE_ENDPOINTS", false);
  c.max_connections = static_cast<std::size_t>(
      env.integer("API_MAX_CONNECTIONS", static_cast<std::int64_t>(c.max_connections), 0, 10'000'000));
  c.max_connections_per_address = static_cast<std::size_t>(env.integer(
      "API_MAX_CONNECTIONS_PER_ADDRESS", static_cast<std::int64_t>(c.max_connections_per_address), 0, 10'000'000));
  c.max_subscriptions_per_user = static_cast<std::size_t>(env.integer(
      "API_MAX_SUBSCRIPTIONS_PER_USER", static_cast<std::int64_t>(c.max_subscriptions_per_user), 0, 100'000));
  c.subscribe_per_hour =
      static_cast<std::uint32_t>(env.integer("API_SUBSCRIBE_PER_HOUR", c.subscribe_per_hour, 0, 1'000'000));
  c.test_push_per_hour =
      static_cast<std::uint32_t>(env.integer("API_TEST_PUSH_PER_HOUR", c.test_push_per_hour, 0, 1'000'000));
  c.max_streams = static_cast<std::size_t>(env.integer("API_MAX_STREAMS", static_cast<std::int64_t>(c.max_streams), 0, 10'000));
  c.stream_queue =
      static_cast<std::size_t>(env.integer("API_STREAM_QUEUE", static_cast<std::int64_t>(c.stream_queue), 1, 1'000'000));
  c.stream_keepalive =
      env.seconds("API_STREAM_KEEPALIVE", c.stream_keepalive, std::chrono::seconds(1), std::chrono::seconds(300));
  try {
    c.trusted_proxies = common::TrustedProxies::parse(env.str("TRUSTED_PROXIES", ""));
  } catch (const std::invalid_argument& e) {
    throw common::ConfigError("TRUSTED_PROXIES", e.what());
  }
  c.console_dir = env.str("CONSOLE_DIR", default_console_dir());
  if (c.console_dir == "-") c.console_dir.clear();  // "-": no console
  return c;
}

}  // namespace evp::api
