#pragma once
// What stands between a handshake and a password check in PostgreSQL (crypt() costs a
// bcrypt round each): failed-password throttles per station id and per source address,
// and a bound on how many checks run at once.
//
// Only failures count, so a fleet behind one NAT or load balancer whose stations know their
// passwords is never throttled; the per-address threshold is high enough that a few
// misconfigured stations among them do not lock the others out either.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "common/rate_limit.hpp"
#include "ocpp/central_system.hpp"

namespace evp::ocpp::detail {

class AuthGuard {
 public:
  AuthGuard(asio::any_io_executor executor, const Config& config);

  /// Seconds to wait before trying again (> 0) when `station_id` or `source` failed too
  /// often recently; 0 when a check may run.
  std::int64_t throttled(const std::string& station_id, const std::string& source);
  void failed(const std::string& station_id, const std::string& source);
  void succeeded(const std::string& station_id);

  /// A turn to run a password check. Released when destroyed.
  class Permit {
   public:
    Permit(Permit&& o) noexcept : guard_(o.guard_) { o.guard_ = nullptr; }
    Permit& operator=(Permit&& o) noexcept {
      if (this != &o) {
        if (guard_) guard_->release();
        guard_ = o.guard_;
        o.guard_ = nullptr;
      }
      return *this;
    }
    ~Permit();

   private:
    friend class AuthGuard;
    explicit Permit(AuthGuard* guard) : guard_(guard) {}
    AuthGuard* guard_;
  };
  /// Waits (FIFO, until `timeout`) for a turn; nullopt when none came in time.
  asio::awaitable<std::optional<Permit>> enter(std::chrono::milliseconds timeout);

  struct Stats {
    std::uint64_t failures = 0, throttled_station = 0, throttled_address = 0, queue_timeouts = 0;
    std::size_t checks_running = 0, checks_waiting = 0;
  };
  Stats stats() const;

 private:
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    bool granted = false;
  };
  void release();

  asio::any_io_executor executor_;
  common::RateLimiter per_station_, per_address_;
  std::size_t max_running_;
  std::size_t running_ = 0;
  std::deque<Waiter*> waiters_;
  Stats stats_;
};

}  // namespace evp::ocpp::detail
