// The charging service: construction, the outbox and event helpers, and the sweeper that
// closes transactions nobody will ever stop and pending sessions no station started.
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "internal.hpp"
#include "push/service.hpp"

namespace evp::charging {

const char* to_string(TagStatus s) {
  switch (s) {
    case TagStatus::Accepted: return "Accepted";
    case TagStatus::Blocked: return "Blocked";
    case TagStatus::Expired: return "Expired";
    case TagStatus::Invalid: return "Invalid";
    case TagStatus::ConcurrentTx: return "ConcurrentTx";
  }
  return "Invalid";
}

bool Outbox::enabled() const { return push_ != nullptr && push_->enabled(); }

asio::awaitable<void> Outbox::add(db::Connection& tx, std::string_view user_id, bool owner,
                                  const push::Notification& notification) {
  if (!enabled()) co_return;
  co_await push_->enqueue(tx, user_id, owner ? push::UserType::Owner : push::UserType::Client, notification);
  enqueued_ = true;
}

void Outbox::wake() const {
  if (enqueued_ && push_ != nullptr) push_->wake(written_);
}

asio::awaitable<db::Result> statement(db::Pool& pool, std::string_view sql, db::Params params) {
  constexpr int kRetries = 3;
  for (int attempt = 0;; ++attempt) {
    db::Params copy = attempt < kRetries ? params : std::move(params);
    std::optional<db::Result> r;
    bool retry = false;
    try {
      r = co_await pool.query(sql, std::move(copy));
    } catch (const db::Error& e) {
      if (attempt >= kRetries || (e.sqlstate() != "40001" && e.sqlstate() != "40P01")) throw;
      retry = true;
    }
    if (!retry) co_return std::move(*r);
    spdlog::debug("charging: retrying a statement after a serialization failure or deadlock");
  }
}

Service::Service(asio::any_io_executor executor, db::Pool& pool, push::Service* push, Config config)
    : impl_(std::make_unique<Impl>(executor, pool, push, std::move(config))) {}
Service::~Service() = default;

const Config& Service::config() const { return impl_->config; }

void Service::wake_push() const {
  if (impl_->push) impl_->push->wake();
}

void Service::start() {
  if (impl_->running) return;
  impl_->running = true;
  impl_->looping = true;
  impl_->idle.expires_at(asio::steady_timer::time_point::max());
  asio::co_spawn(
      impl_->executor,
      [this]() -> asio::awaitable<void> {
        while (impl_->running) {
          impl_->sweep_timer.expires_after(impl_->config.sweep_interval);
          co_await impl_->sweep_timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (!impl_->running) break;
          try {
            co_await sweep();
          } catch (const std::exception& e) {
            // The database may be away; the next round tries again.
            spdlog::warn("charging sweeper: {}", e.what());
          }
        }
        impl_->looping = false;
        impl_->idle.cancel();
      },
      asio::detached);
}

asio::awaitable<void> Service::stop() {
  if (!impl_->running) co_return;
  impl_->running = false;
  impl_->sweep_timer.cancel();
  if (impl_->looping) co_await impl_->idle.async_wait(asio::as_tuple(asio::use_awaitable));
}

namespace {

// Active transactions with no sign of life since the cut-off, oldest first, a bounded batch
// per sweep (the next sweep takes the rest).
// A connector an online station reports as charging is a sign of life even without
// MeterValues (some stations send none during a session).
constexpr const char* kStale = R"(
  SELECT t.id, t.station_id, coalesce(t.meter_last, t.meter_start) FROM transactions t
   WHERE t.status = 'active' AND t.last_activity_at < now() - make_interval(secs => $1::bigint)
     AND NOT EXISTS (SELECT 1 FROM connectors c JOIN stations s ON s.id = c.station_id
                      WHERE c.station_id = t.station_id AND c.connector_id = t.connector_id AND s.status = 'online'
                        AND c.status IN ('Charging', 'SuspendedEV', 'SuspendedEVSE'))
   ORDER BY t.last_activity_at LIMIT 100)";

constexpr const char* kLockActive = "SELECT 1 FROM transactions WHERE id = $1 AND status = 'active' FOR UPDATE";

// Pending sessions whose station never started them: the hold on the balance is released.
constexpr const char* kExpirePending = R"(
  UPDATE charging_sessions SET status = 'failed', updated_at = now(),
         failure_reason = coalesce(failure_reason, 'the station did not start the session in time')
   WHERE status = 'pending' AND transaction_id IS NULL AND coalesce(pending_until, created_at) < now()
  RETURNING id)";

// Reservations past their expiry date that no StartTransaction used (the station frees the
// connector itself at that time).
constexpr const char* kExpireReservations =
    "UPDATE reservations SET status = 'expired', updated_at = now() WHERE status = 'reserved' AND expiry_date < now()";

}  // namespace

asio::awaitable<int> Service::sweep() {
  int closed = 0;
  co_await impl_->pool.query(kExpireReservations);
  auto expired = co_await impl_->pool.query(kExpirePending);
  for (int i = 0; i < expired.rows(); ++i) spdlog::info("session {}: never started by the station, failed", expired.get(i, 0));
  closed += expired.rows();

  if (impl_->config.stale_transaction_after.count() <= 0) co_return closed;
  db::Params p = db::params(db::param(static_cast<std::int64_t>(impl_->config.stale_transaction_after.count())));
  auto stale = co_await impl_->pool.query(kStale, std::move(p));
  for (int i = 0; i < stale.rows(); ++i) {
    Closing c;
    c.transaction_id = static_cast<int>(stale.get_int(i, 0));
    c.station_id = std::string(stale.get(i, 1));
    c.meter_stop = stale.get_int(i, 2);
    c.stop_reason = "Other";
    c.end_reason = "swept";
    std::string outcome;
    Outbox outbox(impl_->push);
    co_await impl_->pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
      outbox.reset();
      outcome.clear();
      db::Params lp = db::params(db::param(c.transaction_id));
      auto locked = co_await tx.query(kLockActive, std::move(lp));
      if (locked.empty()) co_return;  // stopped meanwhile
      outcome = co_await close_transaction(impl_->config, tx, outbox, c);
    });
    outbox.wake();
    if (!outcome.empty()) {
      ++closed;
      spdlog::warn("{}: transaction {} showed no sign of life for {} s, closed: {}", c.station_id, c.transaction_id,
                   impl_->config.stale_transaction_after.count(), outcome);
    }
  }
  co_return closed;
}

}  // namespace evp::charging
