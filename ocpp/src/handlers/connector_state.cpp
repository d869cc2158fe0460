#include "handlers/connector_state.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_map>
#include <vector>

#include "db/arrays.hpp"

namespace evp::ocpp::handlers {

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The rows of one flush in one statement. As for the synchronous upsert, a row older than
// the stored one (a station replaying queued messages) changes nothing.
constexpr std::string_view kFlushSql = R"(
  INSERT INTO connectors AS c (station_id, connector_id, status, error_code, info, vendor_id, vendor_error_code,
                               status_timestamp, updated_at)
  SELECT r.station_id, r.connector_id, r.status, r.error_code, r.info, r.vendor_id, r.vendor_error_code, r.at, now()
    FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
         AS r(station_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, at)
    JOIN stations s ON s.id = r.station_id
  ON CONFLICT (station_id, connector_id) DO UPDATE
     SET status = EXCLUDED.status, error_code = EXCLUDED.error_code, info = EXCLUDED.info,
         vendor_id = EXCLUDED.vendor_id, vendor_error_code = EXCLUDED.vendor_error_code,
         status_timestamp = EXCLUDED.status_timestamp, updated_at = now()
   WHERE c.status_timestamp IS NULL OR EXCLUDED.status_timestamp >= c.status_timestamp)";

std::string key_of(const std::string& station_id, int connector_id) {
  std::string key = station_id;
  key += '\0';
  key += std::to_string(connector_id);
  return key;
}
}  // namespace

struct ConnectorState::State {
  State(db::Pool& p, std::chrono::milliseconds i) : pool(p), interval(i) {}
  db::Pool& pool;
  std::chrono::milliseconds interval;
  std::unordered_map<std::string, ConnectorRow> known;
  std::unordered_map<std::string, ConnectorRow> queued;
  std::optional<asio::steady_timer> timer;
  bool running = false, stopping = false, flushing = false;
  ConnectorWriterStats stats;

  asio::awaitable<void> flush() {
    if (queued.empty()) co_return;
    while (flushing) {  // one statement at a time, in order
      asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::milliseconds(2));
      co_await wait.async_wait(use_tuple);
    }
    if (queued.empty()) co_return;
    flushing = true;
    auto batch = std::move(queued);
    queued.clear();
    std::vector<std::optional<std::string>> ids, connectors, statuses, errors, infos, vendors, vendor_errors, ats;
    for (const auto& [key, r] : batch) {
      ids.emplace_back(r.station_id);
      connectors.emplace_back(std::to_string(r.connector_id));
      statuses.emplace_back(r.status);
      errors.emplace_back(r.error_code);
      infos.push_back(r.info);
      vendors.push_back(r.vendor_id);
      vendor_errors.push_back(r.vendor_error_code);
      ats.emplace_back(common::format_datetime(r.at));
    }
    db::Params params{db::param(db::text_array(ids)),           db::param(db::text_array(connectors)),
                      db::param(db::text_array(statuses)),      db::param(db::text_array(errors)),
                      db::param(db::text_array(infos)),         db::param(db::text_array(vendors)),
                      db::param(db::text_array(vendor_errors)), db::param(db::text_array(ats))};
    std::string failure;
    try {
      co_await pool.query(kFlushSql, std::move(params));
      ++stats.flushes;
      stats.rows_written += batch.size();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      // Kept for the next flush, unless a newer row of the connector came meanwhile.
      ++stats.failures;
      if (stats.failures % 30 == 1)
        spdlog::warn("ocpp: cannot write {} connector state(s) yet: {}", batch.size(), failure);
      for (auto& [key, r] : batch) queued.try_emplace(key, std::move(r));
    }
    flushing = false;
  }
};

ConnectorState::ConnectorState(db::Pool& pool, std::chrono::milliseconds flush_interval)
    : state_(std::make_shared<State>(pool, flush_interval)) {}

ConnectorState::~ConnectorState() {
  state_->stopping = true;
  if (state_->timer) state_->timer->cancel();
}

const ConnectorRow* ConnectorState::known(const std::string& station_id, int connector_id) const {
  auto it = state_->known.find(key_of(station_id, connector_id));
  return it == state_->known.end() ? nullptr : &it->second;
}

void ConnectorState::remember(ConnectorRow row) {
  auto key = key_of(row.station_id, row.connector_id);
  state_->known.insert_or_assign(std::move(key), std::move(row));
}

void ConnectorState::forget(const std::string& station_id, int connector_id) {
  state_->known.erase(key_of(station_id, connector_id));
}

void ConnectorState::put(asio::any_io_executor executor, ConnectorRow row) {
  auto key = key_of(row.station_id, row.connector_id);
  if (auto it = state_->known.find(key); it != state_->known.end() && row.at < it->second.at) return;  // stale
  ++state_->stats.queued;
  state_->known.insert_or_assign(key, row);
  state_->queued.insert_or_assign(std::move(key), std::move(row));
  if (state_->running || state_->stopping) return;
  state_->running = true;
  state_->timer.emplace(executor);
  asio::co_spawn(
      executor,
      [s = state_]() -> asio::awaitable<void> {
        while (!s->stopping) {
          s->timer->expires_after(s->interval);
          co_await s->timer->async_wait(use_tuple);
          if (s->stopping) break;
          co_await s->flush();
        }
        s->running = false;
      },
      asio::detached);
}

asio::awaitable<void> ConnectorState::flush() {
  auto s = state_;
  co_await s->flush();
}

asio::awaitable<void> ConnectorState::stop() {
  auto s = state_;
  s->stopping = true;
  if (s->timer) s->timer->cancel();
  co_await s->flush();
}

ConnectorWriterStats ConnectorState::stats() const {
  auto s = state_->stats;
  s.pending = state_->queued.size();
  return s;
}

}  // namespace evp::ocpp::handlers
