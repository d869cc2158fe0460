#include "handlers/boot_facts.hpp"

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

// A station whose row is gone meanwhile is simply not updated.
constexpr std::string_view kFlushSql = R"(
  UPDATE stations s
     SET vendor = r.vendor, model = r.model, serial_number = r.serial_number,
         charge_box_serial_number = r.charge_box_serial_number, firmware_version = r.firmware_version,
         iccid = r.iccid, imsi = r.imsi, meter_type = r.meter_type, meter_serial_number = r.meter_serial_number,
         last_boot_at = r.at, updated_at = now()
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::text[], $10::text[], $11::timestamptz[])
         AS r(id, vendor, model, serial_number, charge_box_serial_number, firmware_version, iccid, imsi, meter_type,
              meter_serial_number, at)
   WHERE s.id = r.id)";
}  // namespace

struct BootFacts::State {
  State(db::Pool& p, std::chrono::milliseconds i) : pool(p), interval(i) {}
  db::Pool& pool;
  std::chrono::milliseconds interval;
  std::unordered_map<std::string, BootFactsRow> queued;
  std::optional<asio::steady_timer> timer;
  bool running = false, stopping = false, flushing = false;
  std::uint64_t failures = 0;

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
    std::vector<std::optional<std::string>> ids, vendors, models, serials, box_serials, firmwares, iccids, imsis,
        meter_types, meter_serials, ats;
    for (const auto& [id, r] : batch) {
      ids.emplace_back(r.station_id);
      vendors.emplace_back(r.vendor);
      models.emplace_back(r.model);
      serials.push_back(r.serial_number);
      box_serials.push_back(r.charge_box_serial_number);
      firmwares.push_back(r.firmware_version);
      iccids.push_back(r.iccid);
      imsis.push_back(r.imsi);
      meter_types.push_back(r.meter_type);
      meter_serials.push_back(r.meter_serial_number);
      ats.emplace_back(common::format_datetime(r.at));
    }
    db::Params params{db::param(db::text_array(ids)),         db::param(db::text_array(vendors)),
                      db::param(db::text_array(models)),      db::param(db::text_array(serials)),
                      db::param(db::text_array(box_serials)), db::param(db::text_array(firmwares)),
                      db::param(db::text_array(iccids)),      db::param(db::text_array(imsis)),
                      db::param(db::text_array(meter_types)), db::param(db::text_array(meter_serials)),
                      db::param(db::text_array(ats))};
    std::string failure;
    try {
      co_await pool.query(kFlushSql, std::move(params));
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      // Kept for the next flush, unless the station booted again meanwhile.
      ++failures;
      if (failures % 30 == 1) spdlog::warn("ocpp: cannot write {} station boot(s) yet: {}", batch.size(), failure);
      for (auto& [id, r] : batch) queued.try_emplace(id, std::move(r));
    }
    flushing = false;
  }
};

BootFacts::BootFacts(db::Pool& pool, std::chrono::milliseconds flush_interval)
    : state_(std::make_shared<State>(pool, flush_interval)) {}

BootFacts::~BootFacts() {
  state_->stopping = true;
  if (state_->timer) state_->timer->cancel();
}

void BootFacts::put(asio::any_io_executor executor, BootFactsRow row) {
  auto id = row.station_id;
  state_->queued.insert_or_assign(std::move(id), std::move(row));
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

asio::awaitable<void> BootFacts::flush() {
  auto s = state_;
  co_await s->flush();
}

asio::awaitable<void> BootFacts::stop() {
  auto s = state_;
  s->stopping = true;
  if (s->timer) s->timer->cancel();
  co_await s->flush();
}

std::size_t BootFacts::pending() const { return state_->queued.size(); }

}  // namespace evp::ocpp::handlers
