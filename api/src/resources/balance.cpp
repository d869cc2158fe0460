// GET /api/v1/balance: the driver's balance, what running sessions hold of it, and the
// thresholds the PWA shows next to it.
#include "charging/charging.hpp"
#include "http/context.hpp"
#include "resources/resources.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

awaitable<Reply> balance(Context& ctx) {
  auto balance = co_await ctx.svc.charging.balance(ctx.user.id);
  if (!balance) throw ApiError(http::status::not_found, "client_not_found", "no client account");
  auto available = co_await ctx.svc.charging.available_balance(ctx.user.id);
  const auto& cfg = ctx.svc.charging.config();
  Reply r;
  r.data = {{"balance", balance->str()},
            {"available", available.value_or(*balance).str()},
            {"currency", "KGS"},
            {"min_balance_to_start", cfg.min_balance_to_start.str()},
            {"low_balance_threshold", cfg.low_balance_threshold.str()}};
  co_return r;
}

awaitable<Reply> ledger(Context& ctx) {
  auto page = page_of(ctx);
  auto entries = co_await ctx.svc.charging.ledger(ctx.user.id, page.limit, page.offset);
  auto items = nlohmann::json::array();
  for (const auto& e : entries)
    items.push_back({{"id", e.id},
                     {"amount", e.amount.str()},
                     {"kind", e.kind},
                     {"reference", e.reference},
                     {"balance_after", e.balance_after.str()},
                     {"created_at", e.created_at}});
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
