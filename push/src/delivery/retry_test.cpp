#include "delivery/retry.hpp"

#include <doctest/doctest.h>

using namespace evp::push::delivery;
using namespace std::chrono;

TEST_CASE("classify push service answers") {
  CHECK(classify(201) == Outcome::Delivered);
  CHECK(classify(200) == Outcome::Delivered);
  CHECK(classify(202) == Outcome::Delivered);
  CHECK(classify(404) == Outcome::Gone);
  CHECK(classify(410) == Outcome::Gone);
  CHECK(classify(400) == Outcome::Permanent);
  CHECK(classify(401) == Outcome::Permanent);
  CHECK(classify(403) == Outcome::Permanent);
  CHECK(classify(413) == Outcome::Permanent);
  CHECK(classify(429) == Outcome::Retry);
  CHECK(classify(500) == Outcome::Retry);
  CHECK(classify(503) == Outcome::Retry);
  CHECK(classify(0) == Outcome::Retry);
}

TEST_CASE("Retry-After: seconds and HTTP dates") {
  auto now = system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(parse_retry_after("120", now) == seconds(120));
  CHECK(parse_retry_after(" 0 ", now) == seconds(0));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now) == seconds(60));
  CHECK(parse_retry_after("Sunday, 06-Nov-94 08:51:37 GMT", now) == seconds(120));
  CHECK(parse_retry_after("Sun Nov  6 08:49:47 1994", now) == seconds(10));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == seconds(0));  // past
  CHECK_FALSE(parse_retry_after("", now));
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("12abc", now));
}

TEST_CASE("backoff grows exponentially, jitters, is capped and honours Retry-After") {
  std::mt19937_64 rng(42);
  for (int attempt = 1; attempt <= 5; ++attempt) {
    auto expected = 1000.0 * (1 << (attempt - 1));
    for (int i = 0; i < 50; ++i) {
      auto d = backoff_delay(attempt, milliseconds(1000), hours(1), std::nullopt, rng).count();
      CHECK(d >= expected * 0.5);
      CHECK(d < expected * 1.5);
    }
  }
  CHECK(backoff_delay(40, milliseconds(1000), seconds(60), std::nullopt, rng) <= seconds(60));
  CHECK(backoff_delay(1, milliseconds(10), seconds(60), seconds(30), rng) == seconds(30));
  // Jitter spreads retries: not all equal.
  auto a = backoff_delay(3, milliseconds(1000), hours(1), std::nullopt, rng);
  bool differs = false;
  for (int i = 0; i < 20 && !differs; ++i)
    differs = backoff_delay(3, milliseconds(1000), hours(1), std::nullopt, rng) != a;
  CHECK(differs);
}

TEST_CASE("an absurd Retry-After is clamped, so the next attempt time stays representable") {
  auto now = system_clock::from_time_t(784111777);
  CHECK(parse_retry_after("99999999999999999999999999", now) == kMaxRetryAfter);  // overflows int64
  CHECK(parse_retry_after("9223372036854775807", now) == kMaxRetryAfter);
  CHECK(parse_retry_after("86401", now) == kMaxRetryAfter);
  CHECK(parse_retry_after("86400", now) == seconds(86400));
  CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) == kMaxRetryAfter);
  std::mt19937_64 rng(7);
  CHECK(backoff_delay(1, milliseconds(1000), hours(1), seconds(INT64_MAX / 2000), rng) == kMaxRetryAfter);
  CHECK(backoff_delay(1, milliseconds(1000), hours(1), seconds(-5), rng) <= milliseconds(1500));
  CHECK(backoff_delay(1000000, milliseconds(1000), hours(1), std::nullopt, rng) <= hours(1));
  CHECK(backoff_delay(1, milliseconds(1000), milliseconds(-1), std::nullopt, rng) == milliseconds(0));
}
