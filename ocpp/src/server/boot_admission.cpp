#include "server/boot_admission.hpp"

namespace evp::ocpp::detail {

BootAdmission::BootAdmission(const Config& config)
    : max_in_flight_(config.boot_max_in_flight),
      max_pool_waiting_(config.boot_max_pool_waiting),
      max_wait_(config.boot_max_db_wait),
      interval_(std::max(config.boot_pending_interval, std::chrono::seconds(1))),
      random_(std::random_device{}()) {}

std::optional<std::chrono::seconds> BootAdmission::hold(const db::PoolStats* pool, Clock::time_point now) {
  bool lags = max_in_flight_ > 0 && in_flight_.size() >= max_in_flight_;
  if (max_wait_.count() > 0) {
    lags = lags || (!in_flight_.empty() && now - in_flight_.begin()->second > max_wait_);
  }
  lags = lags || (pool && max_pool_waiting_ > 0 && pool->waiting > max_pool_waiting_);
  if (!lags) return std::nullopt;
  ++held_;
  // Spread over [interval, 2 x interval]: held stations must not all come back in the same second.
  std::uniform_int_distribution<std::int64_t> spread(0, interval_.count());
  return interval_ + std::chrono::seconds(spread(random_));
}

std::uint64_t BootAdmission::begin(Clock::time_point now) {
  const auto ticket = next_ticket_++;
  in_flight_.emplace(ticket, now);
  return ticket;
}

void BootAdmission::end(std::uint64_t ticket) { in_flight_.erase(ticket); }

std::int64_t BootAdmission::oldest_ms(Clock::time_point now) const {
  if (in_flight_.empty()) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - in_flight_.begin()->second).count();
}

}  // namespace evp::ocpp::detail
