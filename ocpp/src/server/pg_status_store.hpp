#pragma once
// The status manager's PostgreSQL side: transitions and batched last-seen writes.
#include <chrono>

#include "db/db.hpp"
#include "server/status_manager.hpp"

namespace evp::push {
class Service;
}

namespace evp::ocpp::detail {

class PgStatusStore final : public StatusStore {
 public:
  /// `push` may be null (push disabled): transitions are then stored without notifications.
  PgStatusStore(db::Pool& pool, push::Service* push, std::chrono::seconds offline_notify_interval)
      : pool_(pool), push_(push), offline_notify_interval_(offline_notify_interval) {}
  asio::awaitable<void> store_transition(const std::string& station_id, bool online, common::TimePoint changed_at,
                                         common::TimePoint last_seen) override;
  asio::awaitable<void> store_last_seen(const std::vector<std::pair<std::string, common::TimePoint>>& batch) override;
  asio::awaitable<std::vector<std::pair<std::string, std::optional<common::TimePoint>>>> load_online() override;

 private:
  db::Pool& pool_;
  push::Service* push_;
  std::chrono::seconds offline_notify_interval_;
};

}  // namespace evp::ocpp::detail
