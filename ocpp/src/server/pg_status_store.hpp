#pragma once
// The status manager's PostgreSQL side: transitions and batched last-seen writes.
#include "db/db.hpp"
#include "server/status_manager.hpp"

namespace evp::ocpp::detail {

class PgStatusStore final : public StatusStore {
 public:
  explicit PgStatusStore(db::Pool& pool) : pool_(pool) {}
  asio::awaitable<void> store_transition(const std::string& station_id, bool online, common::TimePoint changed_at,
                                         common::TimePoint last_seen) override;
  asio::awaitable<void> store_last_seen(const std::vector<std::pair<std::string, common::TimePoint>>& batch) override;
  asio::awaitable<std::vector<std::pair<std::string, std::optional<common::TimePoint>>>> load_online() override;

 private:
  db::Pool& pool_;
};

/// A PostgreSQL array literal of text elements: {"a","b\"c"} (used with $1::text[]).
std::string pg_text_array(const std::vector<std::string>& items);

}  // namespace evp::ocpp::detail
