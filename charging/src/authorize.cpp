// Id tag authorization shared by Authorize, StartTransaction and StopTransaction.
#include "common/time.hpp"
#include "internal.hpp"

namespace evp::charging {

asio::awaitable<Authorization> lookup_tag(db::Connection& c, std::string_view id_tag, bool check_concurrent,
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
                           WHERE lower(t.id_tag) = lower(i.id_tag) AND t.status = 'active' AND t.id <> $3
                             AND NOT )" + kOrphaned + R"()
      FROM id_tags i
     WHERE lower(i.id_tag) = lower($1))";
  db::Params p = db::params(db::param(id_tag), db::param(check_concurrent), db::param(own_transaction));
  auto r = co_await c.query(sql, std::move(p));
  Authorization out;
  if (r.empty()) co_return out;  // unknown tag: Invalid
  const std::string_view stored = r.get(0, 0);
  out.status = tag_status_of(stored);
  if (!r.is_null(0, 1)) out.expiry = common::parse_datetime(r.get(0, 1));
  out.parent_id_tag = r.opt(0, 2);
  out.client_id = r.opt(0, 3);
  if (out.status == TagStatus::Accepted) {
    if (r.get_bool(0, 4))
      out.status = TagStatus::Expired;
    else if (r.get_bool(0, 5))
      out.status = TagStatus::ConcurrentTx;
  }
  co_return out;
}

asio::awaitable<Authorization> Service::authorize(const std::string& id_tag) {
  auto lease = co_await impl_->pool.acquire();
  co_return co_await lookup_tag(*lease, id_tag, /*check_concurrent=*/true);
}

}  // namespace evp::charging
