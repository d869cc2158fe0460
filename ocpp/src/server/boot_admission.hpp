#pragma once
// Admission control for BootNotification. A reconnect storm (an outage ending) brings
// thousands of boots at once; when the database falls behind, queueing them all would
// make every boot slow and time some out. Instead a boot arriving while the database lags
// is answered Pending with a retry interval (OCPP 1.6 §4.2: the station sends
// BootNotification again after it) without a statement. The station's registration is
// not touched: an operator-held Pending lives in stations.registration_status, this one
// only in the answer.
//
// "Lags" is any of: the oldest boot being handled older than Config::boot_max_db_wait
// (its read waits for a pooled connection or for PostgreSQL), more than
// boot_max_pool_waiting statements waiting for a pooled connection, boot_max_in_flight
// boots being handled already.
// Heartbeats never reach the database, so they are not behind the boots in any queue.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>

#include "db/db.hpp"
#include "ocpp/central_system.hpp"

namespace evp::ocpp::detail {

class BootAdmission {
 public:
  using Clock = std::chrono::steady_clock;
  explicit BootAdmission(const Config& config);

  /// nullopt: handle this boot (call begin() and end()); else hold it Pending for the
  /// returned number of seconds. `pool` may be null (no database).
  std::optional<std::chrono::seconds> hold(const db::PoolStats* pool, Clock::time_point now = Clock::now());

  /// A boot is being handled / is done (the ticket is begin()'s).
  std::uint64_t begin(Clock::time_point now = Clock::now());
  void end(std::uint64_t ticket);

  std::size_t in_flight() const { return in_flight_.size(); }
  /// Age of the oldest boot being handled, in ms (0 when none).
  std::int64_t oldest_ms(Clock::time_point now = Clock::now()) const;
  std::uint64_t held() const { return held_; }

 private:
  std::size_t max_in_flight_, max_pool_waiting_;
  std::chrono::milliseconds max_wait_;
  std::chrono::seconds interval_;
  std::map<std::uint64_t, Clock::time_point> in_flight_;  // ticket -> start; begin() is the oldest
  std::uint64_t next_ticket_ = 1;
  std::uint64_t held_ = 0;
  std::minstd_rand random_;
};

}  // namespace evp::ocpp::detail
