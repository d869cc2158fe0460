#include "http/throttle.hpp"

#include "http/context.hpp"
#include "http/metrics.hpp"

namespace evp::api {

void rate_limit(Context& ctx, common::RateLimiter& limiter, const char* name) {
  if (limiter.try_acquire(ctx.user.id)) return;
  ctx.svc.metrics.rate_limited(name);
  throw ApiError(http::status::too_many_requests, "rate_limited",
                 "too many requests of this kind, at most " + std::to_string(limiter.limit()) + " per hour")
      .with_retry_after(limiter.retry_after_seconds(ctx.user.id));
}

}  // namespace evp::api
