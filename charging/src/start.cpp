// StartTransaction: a transaction id from the database, the older transaction of the
// connector closed, the driver-facing session, the reservation it consumes, and
// charging_started / new_session - one statement, evp_start_transaction (migration 011), so
// one round trip and one commit.
#include <spdlog/spdlog.h>

#include "internal.hpp"

namespace evp::charging {
namespace {

constexpr const char* kStart = R"(
  SELECT o_tx, o_replay, o_status, o_expiry, o_parent, array_to_string(o_superseded, ','), o_enqueued, o_reservation
    FROM evp_start_transaction($1, $2, $3, $4, $5::timestamptz, $6, $7, $8::numeric, $9, $10::jsonb))";

std::vector<int> int_list(std::string_view csv) {
  std::vector<int> out;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    out.push_back(std::stoi(std::string(csv.substr(0, comma))));
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
  }
  return out;
}

}  // namespace

asio::awaitable<StartResult> Service::start_transaction(const StartRequest& req) {
  StartResult out;
  Outbox outbox(impl_->push);
  const Config& cfg = impl_->config;
  const db::Param reservation = req.reservation_id ? db::param(*req.reservation_id) : db::null();
  db::Params p = db::params(db::param(req.station_id), db::param(req.connector_id), db::param(req.id_tag),
                            db::param(req.meter_start), db::param(common::format_datetime(req.timestamp)), reservation,
                            db::param(cfg.default_max_power_w), db::param(cfg.low_balance_threshold.str()),
                            db::param(cfg.push_ttl_seconds), outbox.notes(cfg, req.station_id, req.connector_id));
  auto r = co_await statement(impl_->pool, kStart, std::move(p));
  if (r.empty() || r.is_null(0, 0)) throw db::Error("StartTransaction from unregistered station " + req.station_id);
  out.transaction_id = static_cast<int>(r.get_int(0, 0));
  out.replay = r.get_bool(0, 1);
  out.authorization = authorization_of(r, 2, /*with_client=*/false);
  out.superseded = int_list(r.get(0, 5));
  outbox.written(r.get_int(0, 6));
  outbox.wake();
  for (int old : out.superseded)
    spdlog::warn("{}: transaction {} on connector {} was still active: closed, superseded by {}", req.station_id, old,
                 req.connector_id, out.transaction_id);
  if (!r.is_null(0, 7) && r.get(0, 7) != "used")
    spdlog::warn("{}: transaction {} names reservation {}, which does not hold ({}): started all the same",
                 req.station_id, out.transaction_id, *req.reservation_id, r.get(0, 7));
  co_return out;
}

}  // namespace evp::charging
