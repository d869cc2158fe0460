// POST /api/v1/payment/webhook: the payment provider credits a client's balance.
// Signed with HMAC-SHA256 over the raw body (X-Signature, hex). Idempotent per payment id:
// the payments primary key and the ledger's (kind, reference) key make a replay credit
// nothing, and the replay is answered with the first delivery's result.
#include <spdlog/spdlog.h>

#include "db/db.hpp"
#include "http/context.hpp"
#include "push/events.hpp"
#include "push/service.hpp"
#include "resources/resources.hpp"
#include "util/crypto.hpp"
#include "util/money.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

awaitable<Reply> webhook(Context& ctx) {
  if (ctx.svc.config.payment_webhook_secret.empty())
    throw ApiError(http::status::service_unavailable, "webhook_disabled", "payment webhook secret is not configured");
  auto sig = ctx.req["X-Signature"];
  if (sig.empty()) throw ApiError(http::status::unauthorized, "invalid_signature", "missing X-Signature header");
  if (!verify_webhook_signature(ctx.svc.config.payment_webhook_secret, ctx.req.body(), sig))
    throw ApiError(http::status::unauthorized, "invalid_signature", "X-Signature does not match the body");

  auto body = ctx.body();
  std::string payment_id = body.str("payment_id", 100);
  std::string user_id = body.str("user_id", 36);
  if (!is_uuid(user_id)) bad_field("user_id", "must be a UUID");
  for (auto& c : user_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto amount = body.opt_decimal("amount", 2);
  if (!amount) bad_field("amount", "is required");
  if (*amount <= 0) bad_field("amount", "must be positive");
  std::string currency = body.opt_str("currency", 3).value_or("KGS");
  if (currency != "KGS") bad_field("currency", "must be KGS");
  std::string amount_text = format_money(*amount);

  bool credited = false;
  std::string new_balance;
  co_await ctx.svc.pool.transaction([&](db::Connection& tx) -> awaitable<void> {
    credited = false;
    auto client = co_await tx.query("SELECT 1 FROM clients WHERE id = $1 FOR UPDATE", db::params(user_id));
    if (client.empty()) throw ApiError(http::status::not_found, "client_not_found", "no client with this user_id");
    auto ins = co_await tx.query(
        "INSERT INTO payments (id, client_id, amount, currency, raw) VALUES ($1, $2, $3::numeric, $4, $5::jsonb) "
        "ON CONFLICT (id) DO NOTHING RETURNING id",
        db::params(payment_id, user_id, amount_text, currency, ctx.req.body()));
    if (ins.empty()) {
      auto prev = co_await tx.query(
          "SELECT p.client_id, p.amount::text, l.balance_after::text FROM payments p "
          "LEFT JOIN balance_ledger l ON l.kind = 'payment' AND l.reference = p.id WHERE p.id = $1",
          db::params(payment_id));
      if (prev.get(0, 0) != user_id || prev.get(0, 1) != amount_text)
        throw ApiError(http::status::conflict, "payment_conflict",
                       "payment_id was already used with a different user or amount");
      new_balance = prev.get(0, 2);
      co_return;
    }
    auto bal = co_await tx.query(
        "UPDATE clients SET balance = balance + $2::numeric, updated_at = NOW() WHERE id = $1 RETURNING balance::text",
        db::params(user_id, amount_text));
    new_balance = bal.get(0, 0);
    co_await tx.query(
        "INSERT INTO balance_ledger (client_id, amount, kind, reference, balance_after) "
        "VALUES ($1, $2::numeric, 'payment', $3, $4::numeric)",
        db::params(user_id, amount_text, payment_id, new_balance));
    if (ctx.svc.push)
      co_await ctx.svc.push->enqueue(tx, user_id, push::UserType::Client,
                                     push::events::payment_confirmed(payment_id, amount_text, new_balance));
    credited = true;
  });
  if (credited && ctx.svc.push) ctx.svc.push->wake();
  if (!credited) spdlog::info("payment {} replayed: nothing credited", payment_id);

  Reply r;
  r.data = {{"payment_id", payment_id},
            {"user_id", user_id},
            {"amount", amount_text},
            {"currency", currency},
            {"new_balance", new_balance}};
  co_return r;
}

}  // namespace

std::vector<Route> payment_routes() {
  return {
      {http::verb::post, "/api/v1/payment/webhook", Access::Webhook, webhook},
  };
}

}  // namespace evp::api
