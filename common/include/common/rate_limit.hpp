#pragma once
/// Per-key attempt counting for throttles and rate limits (failed station passwords per id
/// and per address, test pushes per user, ...). Not thread-safe: one per event loop.
///
/// Each key counts events in a fixed window that starts with its first event. Memory is
/// bounded: when `max_keys` keys are tracked, expired windows are dropped, and if none has
/// expired the oldest window goes (a flood of new keys can only make us forget, never
/// refuse someone who was not over a limit).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace evp::common {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// `limit` events per `window` and key; `limit` 0 switches the limiter off (never limits).
  RateLimiter(std::uint32_t limit, std::chrono::milliseconds window, std::size_t max_keys = 100000);

  /// Counts one event for `key` and returns true, or returns false (not counting it) when
  /// the key already reached its limit in the current window.
  bool try_acquire(std::string_view key, Clock::time_point now = Clock::now());
  /// Counts one event without checking (e.g. a failed password).
  void record(std::string_view key, Clock::time_point now = Clock::now());
  /// True when `key` reached its limit in the current window.
  bool limited(std::string_view key, Clock::time_point now = Clock::now()) const;
  /// Forgets `key` (e.g. after a successful login).
  void reset(std::string_view key);
  /// Seconds until the key's window ends (at least 1), for Retry-After.
  std::int64_t retry_after_seconds(std::string_view key, Clock::time_point now = Clock::now()) const;

  bool enabled() const { return limit_ > 0; }
  std::uint32_t limit() const { return limit_; }
  std::size_t tracked() const { return slots_.size(); }

 private:
  struct Slot {
    Clock::time_point start;
    std::uint32_t count = 0;
  };
  Slot* current(std::string_view key, Clock::time_point now);
  Slot& slot(std::string_view key, Clock::time_point now);
  void make_room(Clock::time_point now);

  std::uint32_t limit_;
  std::chrono::milliseconds window_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Slot> slots_;
};

}  // namespace evp::common
