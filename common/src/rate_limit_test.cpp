#include <doctest/doctest.h>

#include "common/rate_limit.hpp"

using evp::common::RateLimiter;
using namespace std::chrono_literals;

TEST_CASE("RateLimiter allows `limit` events per window and key") {
  RateLimiter rl(3, 1000ms);
  auto t0 = RateLimiter::Clock::time_point{} + 1h;
  CHECK(rl.try_acquire("a", t0));
  CHECK(rl.try_acquire("a", t0));
  CHECK(rl.try_acquire("a", t0 + 10ms));
  CHECK_FALSE(rl.try_acquire("a", t0 + 20ms));
  CHECK(rl.limited("a", t0 + 20ms));
  CHECK(rl.try_acquire("b", t0 + 20ms));  // other keys are not affected
  CHECK(rl.retry_after_seconds("a", t0 + 20ms) >= 1);
  CHECK(rl.try_acquire("a", t0 + 1000ms));  // a new window
  rl.reset("a");
  CHECK_FALSE(rl.limited("a", t0 + 1000ms));
}

TEST_CASE("RateLimiter with limit 0 never limits") {
  RateLimiter rl(0, 1000ms);
  for (int i = 0; i < 100; ++i) CHECK(rl.try_acquire("a"));
  CHECK_FALSE(rl.limited("a"));
}

TEST_CASE("RateLimiter memory is bounded") {
  RateLimiter rl(1, 60000ms, 10);
  auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 1000; ++i) {
    std::string key = std::to_string(i);
    key += 'k';  // (GCC 12 warns falsely about "k" + std::to_string(i))
    rl.record(key, t0 + std::chrono::milliseconds(i));
  }
  CHECK(rl.tracked() <= 10);
  CHECK(rl.limited("999k", t0 + 1000ms));
}
