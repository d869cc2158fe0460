#pragma once
// What to do with a push service's answer, and when to try again.
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace evp::push::delivery {

enum class Outcome {
  Delivered,  ///< 200/201/202
  Gone,       ///< 404/410: the subscription is dead, delete it
  Permanent,  ///< 400/401/403/413 and other 4xx: retrying cannot help
  Retry,      ///< 429, 5xx, network error, timeout
};

/// The longest a push service can make us wait before the next attempt (Retry-After is
/// clamped to it): a day, longer than any notification lives by default (PUSH_TTL), so an
/// absurd value only ends in the item expiring, never in an out-of-range timestamp.
inline constexpr std::chrono::seconds kMaxRetryAfter{86400};

/// status 0 means no HTTP answer (network error, timeout).
Outcome classify(int status);

/// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime),
/// relative to `now`. nullopt when absent or unparsable; a date in the past gives 0; any
/// value beyond kMaxRetryAfter (up to overflow) gives kMaxRetryAfter.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

/// Exponential backoff with jitter: base * 2^(attempt-1), scaled by a random factor in
/// [0.5, 1.5) so that many items failing together do not retry in lock step, capped at
/// `cap`; never earlier than the service's Retry-After (itself at most kMaxRetryAfter).
/// The result is always within [0, max(cap, kMaxRetryAfter)].
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds cap,
                                        std::optional<std::chrono::seconds> retry_after, std::mt19937_64& rng);

}  // namespace evp::push::delivery
