// Admission control of BootNotification: when a boot is held Pending, and for how long.
#include <doctest/doctest.h>

#include <set>

#include "server/boot_admission.hpp"

using evp::ocpp::Config;
using evp::ocpp::detail::BootAdmission;
using namespace std::chrono_literals;

namespace {
Config config(std::size_t in_flight, std::size_t pool_waiting, std::chrono::milliseconds wait) {
  Config c;
  c.boot_max_in_flight = in_flight;
  c.boot_max_pool_waiting = pool_waiting;
  c.boot_max_db_wait = wait;
  c.boot_pending_interval = 3s;
  return c;
}
}  // namespace

TEST_CASE("boot admission: boots pass while the database keeps up") {
  BootAdmission a(config(2, 10, 1000ms));
  const auto t0 = BootAdmission::Clock::now();
  evp::db::PoolStats pool;
  pool.waiting = 10;  // at the bound, not over it
  CHECK_FALSE(a.hold(&pool, t0).has_value());
  const auto first = a.begin(t0);
  CHECK_FALSE(a.hold(&pool, t0 + 999ms).has_value());
  a.end(first);
  CHECK(a.in_flight() == 0);
  CHECK(a.held() == 0);
  CHECK_FALSE(a.hold(nullptr, t0).has_value());
}

TEST_CASE("boot admission: each sign of lag holds a boot Pending for 1-2 intervals") {
  const auto t0 = BootAdmission::Clock::now();
  SUBCASE("the oldest boot in flight waits too long") {
    BootAdmission a(config(100, 0, 500ms));
    const auto slow = a.begin(t0);
    a.begin(t0 + 400ms);
    CHECK_FALSE(a.hold(nullptr, t0 + 500ms).has_value());
    auto held = a.hold(nullptr, t0 + 501ms);
    REQUIRE(held.has_value());
    CHECK(*held >= 3s);
    CHECK(*held <= 6s);
    CHECK(a.oldest_ms(t0 + 501ms) == 501);
    a.end(slow);  // the younger one is the oldest now
    CHECK_FALSE(a.hold(nullptr, t0 + 800ms).has_value());
    CHECK(a.held() == 1);
  }
  SUBCASE("too many boots in flight") {
    BootAdmission a(config(2, 0, 0ms));
    a.begin(t0);
    CHECK_FALSE(a.hold(nullptr, t0).has_value());
    a.begin(t0);
    CHECK(a.hold(nullptr, t0).has_value());
    CHECK(a.hold(nullptr, t0 + 1h).has_value());  // no age bound: only the count
  }
  SUBCASE("too many statements wait for a pooled connection") {
    BootAdmission a(config(0, 4, 0ms));
    evp::db::PoolStats pool;
    pool.waiting = 5;
    CHECK(a.hold(&pool, t0).has_value());
    pool.waiting = 4;
    CHECK_FALSE(a.hold(&pool, t0).has_value());
  }
  SUBCASE("every bound off: never held") {
    BootAdmission a(config(0, 0, 0ms));
    for (int i = 0; i < 1000; ++i) a.begin(t0);
    evp::db::PoolStats pool;
    pool.waiting = 1000000;
    CHECK_FALSE(a.hold(&pool, t0 + 1h).has_value());
  }
}

TEST_CASE("boot admission: the retry intervals are spread") {
  BootAdmission a(config(1, 0, 0ms));
  const auto t0 = BootAdmission::Clock::now();
  a.begin(t0);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 200; ++i) seen.insert(a.hold(nullptr, t0)->count());
  CHECK(seen.size() >= 3);  // 3, 4, 5, 6 s: 200 draws all alike would be a broken spread
  CHECK(*seen.begin() >= 3);
  CHECK(*seen.rbegin() <= 6);
}
