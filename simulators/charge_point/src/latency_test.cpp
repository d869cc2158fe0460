#include "simulators/latency.hpp"

#include <doctest/doctest.h>

using evp::sim::LatencyRecorder;
using namespace std::chrono_literals;

TEST_CASE("latency: nearest-rank percentiles") {
  LatencyRecorder r;
  CHECK(r.percentile_ms(50) == 0);
  for (int i = 100; i >= 1; --i) r.add(std::chrono::milliseconds(i));
  CHECK(r.count() == 100);
  CHECK(r.percentile_ms(50) == doctest::Approx(50));
  CHECK(r.percentile_ms(90) == doctest::Approx(90));
  CHECK(r.percentile_ms(99) == doctest::Approx(99));
  CHECK(r.percentile_ms(100) == doctest::Approx(100));
  CHECK(r.max_ms() == doctest::Approx(100));
  CHECK(r.mean_ms() == doctest::Approx(50.5));
}

TEST_CASE("latency: merge and microsecond resolution") {
  LatencyRecorder a, b;
  a.add(1500us);
  b.add(250us);
  b.add(-5us);  // clock oddity: clamped, not wrapped
  a.merge(b);
  CHECK(a.count() == 3);
  CHECK(a.percentile_ms(1) == doctest::Approx(0));
  CHECK(a.max_ms() == doctest::Approx(1.5));
}
