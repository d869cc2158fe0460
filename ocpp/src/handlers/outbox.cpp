// Outbox and station_events helpers used by every handler that has side effects.
#include "handlers/context.hpp"
#include "push/service.hpp"

namespace evp::ocpp::handlers {

bool Outbox::enabled() const { return push_ != nullptr && push_->enabled(); }

asio::awaitable<void> Outbox::add(db::Connection& tx, std::string_view user_id, push::UserType type,
                                  const push::Notification& notification) {
  if (!enabled()) co_return;
  co_await push_->enqueue(tx, user_id, type, notification);
  enqueued_ = true;
}

void Outbox::wake() const {
  // Only after COMMIT: waking earlier would let the dispatcher look before the rows exist.
  if (enqueued_ && push_ != nullptr) push_->wake();
}

asio::awaitable<void> record_event(db::Connection& c, std::string_view station_id, std::string_view kind,
                                   const nlohmann::json& detail) {
  db::Params params1 = args(db::param(station_id), db::param(kind), db::param(detail.dump()));
  co_await c.query("INSERT INTO station_events (station_id, kind, detail) VALUES ($1, $2, $3::jsonb)",
                   std::move(params1));
}

}  // namespace evp::ocpp::handlers
