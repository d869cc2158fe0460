#pragma once
// Per-user rate limits of the REST API for what costs us (or a third party) more than a
// row: subscribing runs a DNS lookup, a test push sends traffic to the push service.
#include <chrono>

#include "api/server.hpp"
#include "common/rate_limit.hpp"

namespace evp::api {

class Context;

struct RestLimits {
  explicit RestLimits(const Config& c)
      : subscribe(c.subscribe_per_hour, std::chrono::hours(1)), test_push(c.test_push_per_hour, std::chrono::hours(1)) {}
  common::RateLimiter subscribe;
  common::RateLimiter test_push;
  std::size_t open_streams = 0;  ///< operators' event streams open now (Config::max_streams)
};

/// Counts one request of the signed-in user against `limiter`; over the limit: 429 with
/// Retry-After (counted in /metrics under `name`).
void rate_limit(Context& ctx, common::RateLimiter& limiter, const char* name);

}  // namespace evp::api
