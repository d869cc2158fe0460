// Id tag authorization shared by Authorize, StartTransaction and StopTransaction.
#include "handlers/context.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<TagLookup> lookup_id_tag(db::Connection& c, std::string_view id_tag, bool check_concurrent,
                                         int own_transaction) {
  // idTag is a CiString (case-insensitive), hence lower() on both sides; the functional
  // indexes of migration 001 keep these lookups indexed.
  static const std::string sql = std::string(R"(
    SELECT i.status,
           to_char(i.expiry_date AT TIME ZONE 'UTC', ')") +
                                 kUtcFormat + R"('),
           i.parent_id_tag,
           i.client_id,
           i.expiry_date IS NOT NULL AND i.expiry_date <= now(),
           $2 AND EXISTS (SELECT 1 FROM transactions t
                           WHERE lower(t.id_tag) = lower(i.id_tag) AND t.status = 'active' AND t.id <> $3)
      FROM id_tags i
     WHERE lower(i.id_tag) = lower($1))";
  db::Params params1 = args(db::param(id_tag), db::param(check_concurrent), db::param(own_transaction));
  auto r = co_await c.query(sql, std::move(params1));
  TagLookup out;
  if (r.empty()) {
    out.info.status = AuthorizationStatus::Invalid;  // unknown tag
    co_return out;
  }
  out.info.status = from_string<AuthorizationStatus>(r.get(0, 0)).value_or(AuthorizationStatus::Invalid);
  if (!r.is_null(0, 1)) out.info.expiryDate = common::parse_datetime(r.get(0, 1));
  if (!r.is_null(0, 2)) out.info.parentIdTag = CiString<20>(std::string(r.get(0, 2)));
  out.client_id = r.opt(0, 3);
  if (out.info.status == AuthorizationStatus::Accepted) {
    if (r.get_bool(0, 4))
      out.info.status = AuthorizationStatus::Expired;
    else if (r.get_bool(0, 5))
      out.info.status = AuthorizationStatus::ConcurrentTx;
  }
  co_return out;
}

}  // namespace evp::ocpp::handlers
