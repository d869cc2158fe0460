#pragma once
// A REST handler's Context around a fuzzed body, for the body-parser harnesses. The services
// are real but never started: no database connection, listener or push is ever made, so a
// harness exercises only what a handler does before its first query.
#include <boost/asio/io_context.hpp>
#include <string_view>

#include "api/server.hpp"
#include "auth/jwt.hpp"
#include "charging/charging.hpp"
#include "common/resolver.hpp"
#include "db/db.hpp"
#include "http/context.hpp"
#include "http/metrics.hpp"
#include "http/throttle.hpp"
#include "ocpp/central_system.hpp"

namespace evp::fuzz {

inline api::Services& services() {
  static boost::asio::io_context io;
  static db::Pool pool(io.get_executor(), db::Config{});
  static charging::Service charging(io.get_executor(), pool, nullptr, charging::Config{});
  static ocpp::CentralSystem ocpp(io, pool, charging, nullptr, ocpp::Config{}, ocpp::Events{});
  static const api::Config config;
  static const api::JwtVerifier jwt("fuzz-secret", "authenticated");
  static api::Metrics metrics;
  static api::RestLimits limits(config);
  static common::Resolver resolver(io.get_executor(), common::Resolver::Options{});
  static api::Services s{io, pool, ocpp, nullptr, config, jwt, metrics, charging, limits, resolver};
  return s;
}

/// A POST request with `body`, as the dispatcher hands it to a handler.
struct FuzzRequest {
  explicit FuzzRequest(std::string_view body) {
    request.method(api::http::verb::post);
    request.body().assign(body.data(), body.size());
  }
  api::Context context() { return api::Context(services(), request, {}, {}, "fuzz"); }
  api::http::request<api::http::string_body> request;
};

}  // namespace evp::fuzz
