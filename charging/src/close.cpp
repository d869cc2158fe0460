// Closing a transaction - by StopTransaction, by a newer start on its connector, or by the
// sweeper - with one set of rules: plausible energy, one charge through the ledger, the
// session completed, both parties notified. The rules run in evp_close_transaction
// (migration 011), which the one-statement start and stop call too; the energy check there is
// held to rules::check_energy by the charging tests.
#include "internal.hpp"

namespace evp::charging {

asio::awaitable<std::string> close_transaction(const Config& config, db::Connection& tx, Outbox& outbox,
                                               const Closing& closing) {
  const db::Param stop_ts = closing.stop_timestamp.empty() ? db::null() : db::param(closing.stop_timestamp);
  const db::Param superseded = closing.superseded_by ? db::param(*closing.superseded_by) : db::null();
  const db::Param stop_tag = closing.stop_id_tag ? db::param(*closing.stop_id_tag) : db::null();
  db::Params p = db::params(db::param(closing.transaction_id), db::param(closing.meter_stop), stop_ts,
                            db::param(closing.stop_reason), stop_tag, db::param(closing.end_reason), superseded,
                            db::param(config.default_max_power_w), db::param(config.low_balance_threshold.str()),
                            db::param(config.push_ttl_seconds), outbox.notes(config, closing.station_id, 0));
  auto r = co_await tx.query(
      "SELECT o_outcome, o_enqueued FROM evp_close_transaction($1, $2, $3::timestamptz, $4, $5, $6, $7, $8, "
      "$9::numeric, $10, $11::jsonb)",
      std::move(p));
  outbox.written(r.get_int(0, 1));
  co_return std::string(r.get(0, 0));
}

}  // namespace evp::charging
