// GET /api/v1/balance: the driver's balance and the thresholds the PWA shows next to it.
#include "db/db.hpp"
#include "http/context.hpp"
#include "resources/resources.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

awaitable<Reply> balance(Context& ctx) {
  auto res = co_await ctx.svc.pool.query("SELECT balance::text FROM clients WHERE id = $1", db::params(ctx.user.id));
  if (res.empty()) throw ApiError(http::status::not_found, "client_not_found", "no client account");
  Reply r;
  r.data = {{"balance", res.get(0, 0)},
            {"currency", "KGS"},
            {"min_balance_to_start", ctx.svc.config.min_balance_to_start},
            {"low_balance_threshold", ctx.svc.config.low_balance_threshold}};
  co_return r;
}

awaitable<Reply> ledger(Context& ctx) {
  auto page = page_of(ctx);
  auto res = co_await ctx.svc.pool.query(
      "SELECT id, amount::text, kind, reference, balance_after::text, created_at FROM balance_ledger "
      "WHERE client_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
      db::params(ctx.user.id, page.limit, page.offset));
  auto items = nlohmann::json::array();
  for (int i = 0; i < res.rows(); ++i)
    items.push_back({{"id", res.get_int(i, 0)},
                     {"amount", res.get(i, 1)},
                     {"kind", res.get(i, 2)},
                     {"reference", res.get(i, 3)},
                     {"balance_after", res.get(i, 4)},
                     {"created_at", res.get(i, 5)}});
  Reply r;
  r.data = {{"items", items}, {"limit", page.limit}, {"offset", page.offset}};
  co_return r;
}

}  // namespace

std::vector<Route> balance_routes() {
  return {
      {http::verb::get, "/api/v1/balance", Access::Client, balance},
      {http::verb::get, "/api/v1/balance/ledger", Access::Client, ledger},
  };
}

}  // namespace evp::api
