#pragma once
// The process configuration, read from the environment (and an optional env file).
// Every variable is documented in .env.example; an invalid value throws
// common::ConfigError naming the variable.
#include <string>

#include "api/server.hpp"
#include "charging/charging.hpp"
#include "common/env.hpp"
#include "db/db.hpp"
#include "ocpp/central_system.hpp"
#include "push/service.hpp"

namespace evp::app {

struct AppConfig {
  std::string environment;  ///< EVP_ENV: development | production | test
  std::string log_level;
  std::string migrations_dir;
  db::Config db;
  ocpp::Config ocpp;
  push::Config push;
  charging::Config charging;
  api::Config api;
};

/// DATABASE_URL and DB_* only (for the CLI subcommands that need nothing else).
db::Config db_config_from_env(const common::Env& env);
ocpp::Config ocpp_config_from_env(const common::Env& env);
/// In production with push enabled, missing VAPID keys throw ConfigError naming each one.
push::Config push_config_from_env(const common::Env& env, const std::string& environment);
/// MIN_BALANCE_TO_START, LOW_BALANCE_THRESHOLD and CHARGING_*.
charging::Config charging_config_from_env(const common::Env& env);
/// Everything `serve` needs.
AppConfig config_from_env(const common::Env& env);

}  // namespace evp::app
