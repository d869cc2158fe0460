#include "config.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

namespace evp::app {

namespace {
using std::chrono::seconds;

std::uint16_t port_var(const common::Env& env, const char* name, std::uint16_t fallback) {
  return static_cast<std::uint16_t>(env.integer(name, fallback, 0, 65535));
}

common::Money money_var(const common::Env& env, const char* name, common::Money fallback) {
  auto m = common::Money::parse(env.str(name, fallback.str()));
  if (!m || *m < common::Money() || !m->fits_column())
    throw common::ConfigError(name, "must be a non-negative amount such as 10.00");
  return *m;
}
}  // namespace

db::Config db_config_from_env(const common::Env& env) {
  db::Config c;
  c.url = env.required("DATABASE_URL");
  c.pool_size = static_cast<std::size_t>(env.integer("DB_POOL_SIZE", static_cast<std::int64_t>(c.pool_size), 1, 200));
  c.statement_timeout =
      std::chrono::milliseconds(env.integer("DB_STATEMENT_TIMEOUT_MS", c.statement_timeout.count(), 0, 3'600'000));
  c.connect_timeout =
      std::chrono::milliseconds(env.integer("DB_CONNECT_TIMEOUT_MS", c.connect_timeout.count(), 100, 600'000));
  return c;
}

ocpp::Config ocpp_config_from_env(const common::Env& env) {
  ocpp::Config c;
  c.listen_address = env.str("OCPP_LISTEN_ADDRESS", c.listen_address);
  c.port = port_var(env, "OCPP_PORT", c.port);
  c.tls_port = port_var(env, "OCPP_TLS_PORT", c.tls_port);
  c.tls_cert_file = env.str("OCPP_TLS_CERT_FILE", "");
  c.tls_key_file = env.str("OCPP_TLS_KEY_FILE", "");
  if (c.tls_cert_file.empty() != c.tls_key_file.empty())
    throw common::ConfigError(c.tls_cert_file.empty() ? "OCPP_TLS_CERT_FILE" : "OCPP_TLS_KEY_FILE",
                              "set both OCPP_TLS_CERT_FILE and OCPP_TLS_KEY_FILE for wss://, or neither");
  auto auto_register = env.str("OCPP_AUTO_REGISTER", "off");
  if (auto_register == "off")
    c.auto_register = ocpp::AutoRegister::Off;
  else if (auto_register == "accept")
    c.auto_register = ocpp::AutoRegister::Accept;
  else if (auto_register == "pending")
    c.auto_register = ocpp::AutoRegister::Pending;
  else
    throw common::ConfigError("OCPP_AUTO_REGISTER", "must be off, accept or pending (got '" + auto_register + "')");
  c.heartbeat_interval = env.seconds("OCPP_HEARTBEAT_INTERVAL", c.heartbeat_interval, seconds(1), seconds(86400));
  c.offline_timeout = env.seconds("OCPP_OFFLINE_TIMEOUT", c.offline_timeout, seconds(1), seconds(86400));
  c.ping_interval = env.seconds("OCPP_PING_INTERVAL", c.ping_interval, seconds(1), seconds(3600));
  c.call_timeout = env.seconds("OCPP_CALL_TIMEOUT", c.call_timeout, seconds(1), seconds(3600));
  c.handshake_timeout = env.seconds("OCPP_HANDSHAKE_TIMEOUT", c.handshake_timeout, seconds(1), seconds(300));
  c.max_frame_bytes = static_cast<std::size_t>(
      env.integer("OCPP_MAX_FRAME_BYTES", static_cast<std::int64_t>(c.max_frame_bytes), 1024, 16 * 1024 * 1024));
  c.write_queue_limit = static_cast<std::size_t>(
      env.integer("OCPP_WRITE_QUEUE_LIMIT", static_cast<std::int64_t>(c.write_queue_limit), 1, 100000));
  c.frame_history = static_cast<std::size_t>(
      env.integer("OCPP_FRAME_HISTORY", static_cast<std::int64_t>(c.frame_history), 0, 1000));
  c.last_seen_flush =
      std::chrono::milliseconds(env.integer("OCPP_LAST_SEEN_FLUSH_MS", c.last_seen_flush.count(), 10, 600'000));
  c.connector_flush =
      std::chrono::milliseconds(env.integer("OCPP_CONNECTOR_FLUSH_MS", c.connector_flush.count(), 1, 60'000));
  c.offline_notify_interval =
      env.seconds("STATION_OFFLINE_NOTIFY_INTERVAL", c.offline_notify_interval, seconds(0), seconds(7 * 86400));
  c.max_connections = static_cast<std::size_t>(
      env.integer("OCPP_MAX_CONNECTIONS", static_cast<std::int64_t>(c.max_connections), 0, 10'000'000));
  c.max_connections_per_address = static_cast<std::size_t>(env.integer(
      "OCPP_MAX_CONNECTIONS_PER_ADDRESS", static_cast<std::int64_t>(c.max_connections_per_address), 0, 10'000'000));
  c.auth_failures_per_station = static_cast<std::uint32_t>(
      env.integer("OCPP_AUTH_FAILURES_PER_STATION", c.auth_failures_per_station, 0, 1'000'000));
  c.auth_failures_per_address = static_cast<std::uint32_t>(
      env.integer("OCPP_AUTH_FAILURES_PER_ADDRESS", c.auth_failures_per_address, 0, 100'000'000));
  c.auth_failure_window = std::chrono::duration_cast<std::chrono::milliseconds>(
      env.seconds("OCPP_AUTH_FAILURE_WINDOW", std::chrono::duration_cast<seconds>(c.auth_failure_window), seconds(1),
                  seconds(86400)));
  c.auth_concurrency = static_cast<std::size_t>(
      env.integer("OCPP_AUTH_CONCURRENCY", static_cast<std::int64_t>(c.auth_concurrency), 1, 1000));
  c.boot_max_in_flight = static_cast<std::size_t>(
      env.integer("OCPP_BOOT_MAX_IN_FLIGHT", static_cast<std::int64_t>(c.boot_max_in_flight), 0, 10'000'000));
  c.boot_max_pool_waiting = static_cast<std::size_t>(
      env.integer("OCPP_BOOT_MAX_POOL_WAITING", static_cast<std::int64_t>(c.boot_max_pool_waiting), 0, 10'000'000));
  c.boot_max_db_wait =
      std::chrono::milliseconds(env.integer("OCPP_BOOT_MAX_DB_WAIT_MS", c.boot_max_db_wait.count(), 0, 600'000));
  c.boot_pending_interval =
      env.seconds("OCPP_BOOT_PENDING_INTERVAL", c.boot_pending_interval, seconds(1), seconds(3600));
  try {
    c.trusted_proxies = common::TrustedProxies::parse(env.str("TRUSTED_PROXIES", ""));
  } catch (const std::invalid_argument& e) {
    throw common::ConfigError("TRUSTED_PROXIES", e.what());
  }
  return c;
}

push::Config push_config_from_env(const common::Env& env, const std::string& environment) {
  push::Config c;
  c.enabled = env.boolean("PUSH_NOTIFICATIONS_ENABLED", c.enabled);
  c.vapid_private_key = env.str("VAPID_PRIVATE_KEY", "");
  c.vapid_public_key = env.str("VAPID_PUBLIC_KEY", "");
  c.vapid_subject = env.str("VAPID_SUBJECT", c.vapid_subject);
  c.ttl_seconds = static_cast<int>(env.integer("PUSH_TTL", c.ttl_seconds, 0, 2419200));
  c.max_retries = static_cast<int>(env.integer("PUSH_MAX_RETRIES", c.max_retries, 0, 100));
  c.request_timeout =
      std::chrono::milliseconds(env.integer("PUSH_REQUEST_TIMEOUT_MS", c.request_timeout.count(), 100, 600'000));
  c.allow_insecure_endpoints = env.boolean("PUSH_ALLOW_INSECURE_ENDPOINTS", false);
  c.ca_file = env.str("PUSH_CA_FILE", "");
  c.workers = static_cast<int>(env.integer("PUSH_WORKERS", c.workers, 1, 64));
  c.dns_threads =
      static_cast<std::size_t>(env.integer("PUSH_DNS_THREADS", static_cast<std::int64_t>(c.dns_threads), 1, 64));
  c.dns_timeout = std::chrono::milliseconds(env.integer("PUSH_DNS_TIMEOUT_MS", c.dns_timeout.count(), 100, 120'000));
  c.lease = std::chrono::milliseconds(env.integer("PUSH_LEASE_MS", c.lease.count(), 1000, 3'600'000));
  c.max_unrecorded = static_cast<std::size_t>(
      env.integer("PUSH_MAX_UNRECORDED", static_cast<std::int64_t>(c.max_unrecorded), 1, 100'000));
  c.db_connections =
      static_cast<std::size_t>(env.integer("PUSH_DB_CONNECTIONS", static_cast<std::int64_t>(c.db_connections), 1, 64));
  c.origin_concurrency = static_cast<std::size_t>(
      env.integer("PUSH_ORIGIN_CONCURRENCY", static_cast<std::int64_t>(c.origin_concurrency), 1, 10'000));
  c.origin_wait = std::chrono::milliseconds(env.integer("PUSH_ORIGIN_WAIT_MS", c.origin_wait.count(), 10, 600'000));
  c.instance_name = env.str("PUSH_INSTANCE_NAME", "");
  if (c.instance_name.empty()) {
    // Stable across restarts of this deployment, distinct for two servers on one host.
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "localhost");
    c.instance_name = std::string(host) + ":" + std::to_string(port_var(env, "OCPP_PORT", 8180));
  }
  if (!c.enabled) return c;
  std::string missing;
  if (c.vapid_private_key.empty()) missing = "VAPID_PRIVATE_KEY";
  if (c.vapid_public_key.empty()) missing += missing.empty() ? "VAPID_PUBLIC_KEY" : ", VAPID_PUBLIC_KEY";
  if (missing.empty()) return c;
  if (environment == "production")
    throw common::ConfigError(missing,
                              "required when PUSH_NOTIFICATIONS_ENABLED=true in production"
                              " (generate with `evpower vapid-keygen`)");
  // Development: run without push rather than refuse to start.
  spdlog::warn("push notifications disabled: {} not set (run `evpower vapid-keygen`)", missing);
  c.enabled = false;
  return c;
}

charging::Config charging_config_from_env(const common::Env& env) {
  charging::Config c;
  c.min_balance_to_start = money_var(env, "MIN_BALANCE_TO_START", c.min_balance_to_start);
  c.low_balance_threshold = money_var(env, "LOW_BALANCE_THRESHOLD", c.low_balance_threshold);
  c.default_max_power_w = env.integer("CHARGING_MAX_POWER_KW", c.default_max_power_w / 1000, 1, 10'000) * 1000;
  c.stale_transaction_after =
      env.seconds("CHARGING_STALE_TRANSACTION_AFTER", c.stale_transaction_after, seconds(0), seconds(30 * 86400));
  c.pending_timeout = env.seconds("CHARGING_PENDING_TIMEOUT", c.pending_timeout, seconds(1), seconds(86400));
  c.sweep_interval = env.seconds("CHARGING_SWEEP_INTERVAL", c.sweep_interval, seconds(1), seconds(86400));
  c.push_ttl_seconds = static_cast<int>(env.integer("PUSH_TTL", c.push_ttl_seconds, 0, 2419200));
  return c;
}

AppConfig config_from_env(const common::Env& env) {
  AppConfig c;
  c.environment = env.str("EVP_ENV", "development");
  if (c.environment != "development" && c.environment != "production" && c.environment != "test")
    throw common::ConfigError("EVP_ENV", "must be development, production or test");
  c.log_level = env.str("LOG_LEVEL", "info");
  c.migrations_dir = env.str("EVP_MIGRATIONS_DIR", EVP_DEFAULT_MIGRATIONS_DIR);
  c.db = db_config_from_env(env);
  c.ocpp = ocpp_config_from_env(env);
  c.push = push_config_from_env(env, c.environment);
  c.charging = charging_config_from_env(env);
  c.api = api::config_from_env(env);
  c.api.push_dns_timeout = c.push.dns_timeout;
  return c;
}

}  // namespace evp::app
