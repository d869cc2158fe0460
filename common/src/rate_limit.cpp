#include "common/rate_limit.hpp"

#include <algorithm>

namespace evp::common {

RateLimiter::RateLimiter(std::uint32_t limit, std::chrono::milliseconds window, std::size_t max_keys)
    : limit_(limit), window_(std::max(window, std::chrono::milliseconds(1))), max_keys_(std::max<std::size_t>(1, max_keys)) {}

RateLimiter::Slot* RateLimiter::current(std::string_view key, Clock::time_point now) {
  auto it = slots_.find(std::string(key));
  if (it == slots_.end()) return nullptr;
  if (now - it->second.start >= window_) {
    slots_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void RateLimiter::make_room(Clock::time_point now) {
  std::erase_if(slots_, [&](const auto& kv) { return now - kv.second.start >= window_; });
  if (slots_.size() < max_keys_) return;
  auto oldest = std::min_element(slots_.begin(), slots_.end(),
                                 [](const auto& a, const auto& b) { return a.second.start < b.second.start; });
  slots_.erase(oldest);
}

RateLimiter::Slot& RateLimiter::slot(std::string_view key, Clock::time_point now) {
  if (auto* s = current(key, now)) return *s;
  if (slots_.size() >= max_keys_) make_room(now);
  return slots_.emplace(std::string(key), Slot{now, 0}).first->second;
}

bool RateLimiter::try_acquire(std::string_view key, Clock::time_point now) {
  if (!enabled()) return true;
  auto& s = slot(key, now);
  if (s.count >= limit_) return false;
  ++s.count;
  return true;
}

void RateLimiter::record(std::string_view key, Clock::time_point now) {
  if (!enabled()) return;
  auto& s = slot(key, now);
  if (s.count < limit_) ++s.count;
}

bool RateLimiter::limited(std::string_view key, Clock::time_point now) const {
  if (!enabled()) return false;
  auto it = slots_.find(std::string(key));
  return it != slots_.end() && now - it->second.start < window_ && it->second.count >= limit_;
}

void RateLimiter::reset(std::string_view key) { slots_.erase(std::string(key)); }

std::int64_t RateLimiter::retry_after_seconds(std::string_view key, Clock::time_point now) const {
  auto it = slots_.find(std::string(key));
  if (it == slots_.end()) return 1;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(it->second.start + window_ - now).count();
  return std::max<std::int64_t>(1, left + 1);
}

}  // namespace evp::common
