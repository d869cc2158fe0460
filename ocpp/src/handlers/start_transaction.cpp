// StartTransaction: a transaction id from the database, the driver-facing session, and
// charging_started / new_session in the same database transaction.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"
#include "push/events.hpp"

namespace evp::ocpp::handlers {
namespace {

// transactions_replay_key makes a replayed StartTransaction (same station, connector,
// idTag, meterStart, timestamp) land on the existing row; the no-op update is there so
// RETURNING yields that row's id. xmax = 0 only for a freshly inserted row version.
constexpr const char* kInsert = R"(
  INSERT INTO transactions AS t (station_id, connector_id, id_tag, client_id, reservation_id, meter_start,
                                 start_timestamp, price_per_kwh)
  SELECT $1::text, $2::int, $3::text, $4::uuid, $5::int, $6::bigint, $7::timestamptz, s.price_per_kwh
    FROM stations s WHERE s.id = $1::text
  ON CONFLICT ON CONSTRAINT transactions_replay_key DO UPDATE SET updated_at = t.updated_at
  RETURNING t.id, (t.xmax = 0) AS inserted)";

// A session the REST API created before RemoteStartTransaction becomes this transaction's.
constexpr const char* kClaimPending = R"(
  UPDATE charging_sessions SET status = 'active', transaction_id = $4, updated_at = now()
   WHERE id = (SELECT id FROM charging_sessions
                WHERE station_id = $1 AND connector_id = $2 AND lower(id_tag) = lower($3) AND status = 'pending'
                ORDER BY created_at DESC LIMIT 1 FOR UPDATE)
  RETURNING id, client_id)";

constexpr const char* kCreateSession = R"(
  INSERT INTO charging_sessions (client_id, station_id, connector_id, id_tag, status, transaction_id)
  VALUES ($1, $2, $3, $4, 'active', $5) RETURNING id, client_id)";

constexpr const char* kStationInfo = R"(
  SELECT s.display_name, l.user_id FROM stations s LEFT JOIN locations l ON l.id = s.location_id WHERE s.id = $1)";

}  // namespace

asio::awaitable<StartTransactionConf> start_transaction(Context& ctx, detail::StationContext& station,
                                                        const StartTransactionReq& req) {
  if (req.connectorId <= 0)
    throw CallError(ErrorCode::PropertyConstraintViolation, "connectorId must be > 0 for a transaction",
                    {{"connectorId", req.connectorId}});
  StartTransactionConf conf;
  bool created = false;
  Outbox outbox(ctx.push);
  co_await ctx.pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
    outbox.reset();
    created = false;
    TagLookup tag = co_await lookup_id_tag(tx, req.idTag.str(), /*check_concurrent=*/false);
    db::Params params1 = args(db::param(station.station_id), db::param(req.connectorId), db::param(req.idTag.str()),
                              tag.client_id ? db::param(*tag.client_id) : db::null(),
                              req.reservationId ? db::param(*req.reservationId) : db::null(), db::param(req.meterStart),
                              db::param(common::format_datetime(req.timestamp)));
    auto ins = co_await tx.query(kInsert, std::move(params1));
    if (ins.empty()) throw db::Error("StartTransaction from unregistered station " + station.station_id);
    const int tx_id = static_cast<int>(ins.get_int(0, 0));
    created = ins.get_bool(0, 1);
    conf.transactionId = tx_id;
    // The tag may not be used by another running transaction; this one does not count.
    TagLookup checked = co_await lookup_id_tag(tx, req.idTag.str(), /*check_concurrent=*/true, tx_id);
    conf.idTagInfo = checked.info;
    if (!created) co_return;  // a replay: same id, no second session, no second notification

    // The transaction is recorded whatever the tag's status (the station decides whether to
    // charge, OCPP wants a transactionId regardless); the session follows it.
    db::Params params2 =
        args(db::param(station.station_id), db::param(req.connectorId), db::param(req.idTag.str()), db::param(tx_id));
    auto s = co_await tx.query(kClaimPending, std::move(params2));
    if (s.empty()) {
      db::Params params3 = args(tag.client_id ? db::param(*tag.client_id) : db::null(), db::param(station.station_id),
                                db::param(req.connectorId), db::param(req.idTag.str()), db::param(tx_id));
      s = co_await tx.query(kCreateSession, std::move(params3));
    }
    const std::string session_id(s.get(0, 0));
    const std::optional<std::string> client_id = s.opt(0, 1);
    if (client_id && client_id != tag.client_id) {
      db::Params params4 = args(db::param(tx_id), *client_id);
      co_await tx.query("UPDATE transactions SET client_id = $2 WHERE id = $1", std::move(params4));
    }

    if (conf.idTagInfo.status != AuthorizationStatus::Accepted || !outbox.enabled()) co_return;
    db::Params params5 = args(db::param(station.station_id));
    auto info = co_await tx.query(kStationInfo, std::move(params5));
    push::events::Station st{station.station_id, std::string(info.get(0, 0))};
    // Notifications are locals, not temporaries in the co_await expression: GCC 12 mishandles
    // some temporaries there (double destruction).
    if (client_id) {
      const auto note = push::events::charging_started(session_id, st, req.connectorId);
      co_await outbox.add(tx, *client_id, push::UserType::Client, note);
    }
    if (!info.is_null(0, 1)) {
      const auto note = push::events::new_session(session_id, st, req.connectorId);
      const std::string owner(info.get(0, 1));
      co_await outbox.add(tx, owner, push::UserType::Owner, note);
    }
  });
  outbox.wake();
  spdlog::info("{}: StartTransaction connector {} tag {} meter {} -> tx {} {}{}", station.station_id, req.connectorId,
               req.idTag.str(), req.meterStart, conf.transactionId, to_string(conf.idTagInfo.status),
               created ? "" : " (replay)");
  co_return conf;
}

}  // namespace evp::ocpp::handlers
