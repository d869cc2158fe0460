// Id tag authorization shared by Authorize, StartTransaction and StopTransaction: the rules
// are evp_tag() of migration 011, which the one-statement start and stop call as well.
#include "common/time.hpp"
#include "internal.hpp"

namespace evp::charging {

Authorization authorization_of(const db::Result& r, int col, bool with_client) {
  Authorization out;
  if (r.empty() || r.is_null(0, col)) return out;  // unknown tag: Invalid
  const std::string_view stored = r.get(0, col);
  out.status = stored == "ConcurrentTx" ? TagStatus::ConcurrentTx : tag_status_of(stored);
  if (!r.is_null(0, col + 1)) out.expiry = common::parse_datetime(r.get(0, col + 1));
  out.parent_id_tag = r.opt(0, col + 2);
  if (with_client) out.client_id = r.opt(0, col + 3);
  return out;
}

asio::awaitable<Authorization> lookup_tag(db::Connection& c, std::string_view id_tag, bool check_concurrent,
                                          int own_transaction) {
  db::Params p = db::params(db::param(id_tag), db::param(check_concurrent), db::param(own_transaction));
  auto r = co_await c.query("SELECT status, expiry, parent_id_tag, client_id FROM evp_tag($1, $2, $3)", std::move(p));
  co_return authorization_of(r, 0);
}

asio::awaitable<Authorization> Service::authorize(const std::string& id_tag) {
  auto lease = co_await impl_->pool.acquire();
  co_return co_await lookup_tag(*lease, id_tag, /*check_concurrent=*/true);
}

}  // namespace evp::charging
