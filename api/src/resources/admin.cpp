// The management API (/api/v1/admin/...), operators only:
//   GET  /api/v1/admin/stations                    every station, any registration status, live
//   GET  /api/v1/admin/stations/{id}               one of them
//   POST /api/v1/admin/stations/{id}/calls/{action} any central-system CALL of the six OCPP 1.6
//                                                  profiles, the body its payload; the answer is
//                                                  the station's CALLRESULT
//   GET  /api/v1/admin/audit                       what operators sent, newest first
//   GET  /api/v1/admin/stations/{id}/frames        the last frames it sent and received
//   POST /api/v1/admin/stations/{id}/registration  approve or reject a (Pending) station
//   GET  /api/v1/admin/idtags, PUT .../idtags/{tag} the RFID cards: add, block, expire, link
//   GET  /api/v1/admin/events                      session events for review
//   GET  /api/v1/admin/transactions                by station, driver, state and time
//   POST /api/v1/admin/clients/{id}/adjustments    credit or debit a driver, with a reason
//   GET  /api/v1/admin/push                        notification delivery counts
// Every call that goes out is in `operator_audit`: written before it is sent, completed with
// the outcome, so even a crash in between leaves a record of a command that may have arrived.
#include <spdlog/spdlog.h>

#include "charging/charging.hpp"
#include "common/time.hpp"
#include "db/db.hpp"
#include "http/context.hpp"
#include "ocpp/central_system.hpp"
#include "ocpp/messages/registry.hpp"
#include "ocpp/messages/reservation.hpp"
#include "ocpp/rpc.hpp"
#include "push/service.hpp"
#include "resources/admin_calls.hpp"
#include "resources/resources.hpp"
#include "resources/session_view.hpp"
#include "resources/stations.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

nlohmann::json admin_station_json(const Services& svc, const db::Result& r, int i) {
  return operator_station_json(svc, r, i);
}

awaitable<Reply> stations(Context& ctx) {
  auto res = co_await ctx.svc.pool.query(std::string(kStationSelect) + "ORDER BY s.id");
  auto out = nlohmann::json::array();
  for (int i = 0; i < res.rows(); ++i) out.push_back(admin_station_json(ctx.svc, res, i));
  Reply r;
  r.data = std::move(out);
  co_return r;
}

awaitable<Reply> station(Context& ctx) {
  auto res = co_await ctx.svc.pool.query(std::string(kStationSelect) + "WHERE s.id = $1",
                                         db::params(ctx.param("id")));
  if (res.empty()) throw ApiError(http::status::not_found, "station_not_found", "no such station");
  Reply r;
  r.data = admin_station_json(ctx.svc, res, 0);
  co_return r;
}

awaitable<Reply> frames(Context& ctx) {
  const std::string& id = ctx.param("id");
  co_await require_station(ctx, id);
  auto out = nlohmann::json::array();
  for (const auto& f : ctx.svc.ocpp.recent_frames(id)) {
    nlohmann::json j{{"at", common::format_datetime(f.at)},
                     {"direction", f.incoming ? "received" : "sent"},
                     {"frame", f.text}};
    if (f.truncated_from > 0) j["truncated_from"] = f.truncated_from;
    out.push_back(std::move(j));
  }
  Reply r;
  r.data = std::move(out);
  co_return r;
}

// A reservation the station accepted is what a StartTransaction naming it uses (the
// charging module records it). Not recording it never changes the operator's answer.
awaitable<void> record_reservation(Context& ctx, const std::string& station_id, const std::string& action,
                                   const nlohmann::json& payload, const nlohmann::json& answer) {
  if (answer.value("status", "") != "Accepted" || (action != "ReserveNow" && action != "CancelReservation"))
    co_return;
  try {
    if (action == "ReserveNow") {
      const auto r = payload.get<ocpp::ReserveNowReq>();
      std::optional<std::string> parent;
      if (r.parentIdTag) parent = r.parentIdTag->value;
      co_await ctx.svc.charging.reservation_accepted(station_id, r.reservationId, r.connectorId, r.idTag.value, parent,
                                                     r.expiryDate);
    } else {
      const auto r = payload.get<ocpp::CancelReservationReq>();
      co_await ctx.svc.charging.reservation_cancelled(station_id, r.reservationId);
    }
  } catch (const std::exception& e) {
    spdlog::warn("{}: {} accepted but not recorded: {}", station_id, action, e.what());
  }
}

awaitable<Reply> call(Context& ctx) {
  const std::string& station_id = ctx.param("id");
  const std::string& action = ctx.param("action");
  if (!ocpp::is_known_action(action) || !ocpp::allowed_to_station(action))
    throw ApiError(http::status::not_found, "unknown_action",
                   "'" + action + "' is not a call the central system sends in OCPP 1.6 (names are case-sensitive)");
  const nlohmann::json payload = ctx.body_json();
  try {
    ocpp::validate_request(action, payload);
  } catch (const ocpp::CallError& e) {
    throw ApiError(http::status::bad_request, "invalid_request",
                   "not a valid " + action + " request: " + std::string(e.description()));
  }
  const auto timeout_s = ctx.query_int("timeout", 0, 0, 300);
  std::optional<std::chrono::seconds> timeout;
  if (timeout_s > 0) timeout = std::chrono::seconds(timeout_s);

  co_await require_station(ctx, station_id);
  const AuditedCall sent = co_await audited_call(ctx, station_id, action, payload, timeout);
  if (sent.failure) throw_call_failure(sent, station_id, action);

  co_await record_reservation(ctx, station_id, action, payload, *sent.answer);

  nlohmann::json details{{"audit_id", sent.audit_id}, {"station_id", station_id}, {"action", action}};
  details["request"] = payload;
  details["response"] = *sent.answer;
  details["recorded"] = sent.recorded;
  Reply r;
  r.data = std::move(details);
  co_return r;
}

awaitable<Reply> audit(Context& ctx) {
  const auto limit = ctx.query_int("limit", 50, 1, 500);
  const auto before = ctx.query_int("before", 0, 0, INT64_MAX);
  const std::optional<std::string> station = ctx.query("station");
  auto res = co_await ctx.svc.pool.query(
      "SELECT id, operator_id, station_id, action, request::text, outcome, response::text, error, created_at, "
      "completed_at FROM operator_audit "
      "WHERE ($1::bigint = 0 OR id < $1) AND ($2::text IS NULL OR station_id = $2) ORDER BY id DESC LIMIT $3",
      db::params(before, station, limit));
  auto out = nlohmann::json::array();
  for (int i = 0; i < res.rows(); ++i) {
    auto response = res.opt(i, 6);
    out.push_back({{"id", res.get_int(i, 0)},
                   {"operator_id", res.get(i, 1)},
                   {"station_id", res.get(i, 2)},
                   {"action", res.get(i, 3)},
                   {"request", nlohmann::json::parse(res.get(i, 4))},
                   {"outcome", res.get(i, 5)},
                   {"response", response ? nlohmann::json::parse(*response) : nlohmann::json(nullptr)},
                   {"error", nullable(res.opt(i, 7))},
                   {"created_at", res.get(i, 8)},
                   {"completed_at", nullable(res.opt(i, 9))}});
  }
  Reply r;
  r.data = std::move(out);
  co_return r;
}

awaitable<Reply> registration(Context& ctx) {
  auto body = ctx.body();
  const std::string status = body.str("status", 16);
  if (status != "Accepted" && status != "Pending" && status != "Rejected")
    bad_field("status", "must be Accepted, Pending or Rejected");
  const std::string& id = ctx.param("id");
  auto res = co_await ctx.svc.pool.query(
      "UPDATE stations SET registration_status = $2 WHERE id = $1 RETURNING registration_status",
      db::params(id, status));
  if (res.empty()) throw ApiError(http::status::not_found, "station_not_found", "no such station");
  // The station hears it at its next BootNotification (a Pending one retries at the
  // interval it was given; TriggerMessage BootNotification asks for it now).
  ctx.svc.ocpp.live().publish("station", {{"station_id", id}, {"change", "registration"}, {"registration_status", status}});
  Reply r;
  r.data = {{"id", id}, {"registration_status", status}, {"connected", ctx.svc.ocpp.is_connected(id)}};
  co_return r;
}

nlohmann::json id_tag_json(const charging::IdTagRecord& t) {
  return {{"id_tag", t.id_tag},
          {"status", charging::to_string(t.status)},
          {"client_id", nullable(t.client_id)},
          {"expiry_date", nullable(t.expiry)},
          {"parent_id_tag", nullable(t.parent_id_tag)},
          {"created_at", t.created_at}};
}

awaitable<Reply> id_tags(Context& ctx) {
  const Page page = page_of(ctx);
  auto tags = co_await ctx.svc.charging.id_tags(page.limit, page.offset);
  auto items = nlohmann::json::array();
  for (const auto& t : tags) items.push_back(id_tag_json(t));
  Reply r;
  r.data = {{"items", std::move(items)}, {"limit", page.limit}, {"offset", page.offset}};
  co_return r;
}

// PUT: the tag as the operator wants it. Fields left out keep their value; a new tag is
// Accepted unless `status` says otherwise.
awaitable<Reply> put_id_tag(Context& ctx) {
  auto body = ctx.body();
  charging::IdTagUpdate u;
  u.id_tag = ctx.param("tag");
  if (auto status = body.opt_str("status", 16)) {
    if (*status == "Accepted")
      u.status = charging::TagStatus::Accepted;
    else if (*status == "Blocked")
      u.status = charging::TagStatus::Blocked;
    else if (*status == "Expired")
      u.status = charging::TagStatus::Expired;
    else if (*status == "Invalid")
      u.status = charging::TagStatus::Invalid;
    else
      bad_field("status", "must be Accepted, Blocked, Expired or Invalid");
  }
  u.client_id = body.opt_str("client_id", 36);
  if (u.client_id && !is_uuid(*u.client_id)) bad_field("client_id", "must be a UUID");
  u.expiry = body.opt_str("expiry_date", 40);
  u.parent_id_tag = body.opt_str("parent_id_tag", 20);
  auto saved = co_await ctx.svc.charging.save_id_tag(u);
  Reply r;
  r.data = id_tag_json(saved);
  co_return r;
}

awaitable<Reply> events(Context& ctx) {
  const auto limit = ctx.query_int("limit", 50, 1, 500);
  auto list = co_await ctx.svc.charging.events(ctx.query("kind"), limit);
  auto out = nlohmann::json::array();
  for (const auto& e : list) {
    out.push_back({{"id", e.id},
                   {"station_id", e.station_id},
                   {"kind", e.kind},
                   {"detail", nlohmann::json::parse(e.detail_json, nullptr, false)},
                   {"created_at", e.created_at}});
  }
  Reply r;
  r.data = std::move(out);
  co_return r;
}

awaitable<Reply> transactions(Context& ctx) {
  const Page page = page_of(ctx);
  charging::TransactionFilter f;
  f.station_id = ctx.query("station_id");
  f.client_id = ctx.query("client_id");
  if (f.client_id && !is_uuid(*f.client_id))
    throw ApiError(http::status::bad_request, "invalid_query", "client_id must be a UUID");
  f.status = ctx.query("status");
  if (f.status && *f.status != "active" && *f.status != "completed")
    throw ApiError(http::status::bad_request, "invalid_query", "status must be active or completed");
  f.from = ctx.query("from");
  f.to = ctx.query("to");
  auto rows = co_await ctx.svc.charging.transactions(f, page.limit, page.offset);
  auto items = nlohmann::json::array();
  for (const auto& t : rows) {
    nlohmann::json j = transaction_json(t);
    j["id_tag"] = t.id_tag;
    j["client_id"] = nullable(t.client_id);
    items.push_back(std::move(j));
  }
  Reply r;
  r.data = {{"items", std::move(items)}, {"limit", page.limit}, {"offset", page.offset}};
  co_return r;
}

// 201 when the money moved, 200 for a repeat of the same adjustment (nothing moved).
awaitable<Reply> adjust(Context& ctx) {
  const std::string& client_id = ctx.param("id");
  if (!is_uuid(client_id)) throw ApiError(http::status::not_found, "client_not_found", "no client with this id");
  auto body = ctx.body();
  charging::Adjustment a;
  a.id = body.str("id", 64);
  a.client_id = client_id;
  const auto amount = body.opt_decimal("amount", 2);
  if (!amount) bad_field("amount", "is required");
  if (*amount == 0) bad_field("amount", "must not be zero");
  a.amount = common::Money::tyiyn(*amount);
  a.reason = body.str("reason", 500);
  a.operator_id = ctx.user.id;
  const charging::Credit result = co_await ctx.svc.charging.adjust_balance(a);
  Reply r;
  r.status = result.credited ? http::status::created : http::status::ok;
  r.data = {{"id", a.id},
            {"client_id", client_id},
            {"amount", a.amount.str()},
            {"reason", a.reason},
            {"new_balance", result.new_balance.str()},
            {"applied", result.credited}};
  co_return r;
}

// Delivery counts of the last `hours` (outbox rows by event type and state) and this
// process's push counters since it started.
awaitable<Reply> push_counts(Context& ctx) {
  const auto hours = ctx.query_int("hours", 24, 1, 24 * 90);
  Reply r;
  if (ctx.svc.push == nullptr || !ctx.svc.push->enabled()) {
    r.data = {{"enabled", false}, {"hours", hours}, {"counts", nlohmann::json::array()}};
    co_return r;
  }
  auto counts = co_await ctx.svc.push->delivery_counts(std::chrono::hours(hours));
  auto out = nlohmann::json::array();
  for (const auto& c : counts) out.push_back({{"event_type", c.event_type}, {"state", c.state}, {"count", c.count}});
  const push::Stats st = ctx.svc.push->stats();
  r.data = {{"enabled", true},
            {"hours", hours},
            {"counts", std::move(out)},
            {"since_start",
             {{"sent", st.sent},
              {"failed", st.failed},
              {"retried", st.retried},
              {"in_flight", st.in_flight},
              {"outbox_depth", st.outbox_depth},
              {"expired_subscriptions", st.expired_subscriptions}}}};
  co_return r;
}

}  // namespace

std::vector<Route> admin_routes() {
  return {
      {http::verb::get, "/api/v1/admin/stations", Access::Operator, stations},
      {http::verb::get, "/api/v1/admin/stations/{id}", Access::Operator, station},
      {http::verb::post, "/api/v1/admin/stations/{id}/calls/{action}", Access::Operator, call},
      {http::verb::get, "/api/v1/admin/stations/{id}/frames", Access::Operator, frames},
      {http::verb::post, "/api/v1/admin/stations/{id}/registration", Access::Operator, registration},
      {http::verb::get, "/api/v1/admin/audit", Access::Operator, audit},
      {http::verb::get, "/api/v1/admin/idtags", Access::Operator, id_tags},
      {http::verb::put, "/api/v1/admin/idtags/{tag}", Access::Operator, put_id_tag},
      {http::verb::get, "/api/v1/admin/events", Access::Operator, events},
      {http::verb::get, "/api/v1/admin/transactions", Access::Operator, transactions},
      {http::verb::post, "/api/v1/admin/clients/{id}/adjustments", Access::Operator, adjust},
      {http::verb::get, "/api/v1/admin/push", Access::Operator, push_counts},
  };
}

}  // namespace evp::api
