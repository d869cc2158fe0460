// POST /api/v1/payment/webhook: the payment provider credits a client's balance.
// Signed with HMAC-SHA256 over the raw body (X-Signature, hex). Idempotent per payment id:
// the charging module credits once per payment id and answers a replay with the first
// delivery's result.
#include <spdlog/spdlog.h>

#include "charging/charging.hpp"
#include "http/context.hpp"
#include "resources/resources.hpp"
#include "util/crypto.hpp"

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
  const auto money = common::Money::tyiyn(*amount);

  // Refused (no such client, a payment id reused) becomes 404/409 in the dispatcher.
  const charging::Credit credit =
      co_await ctx.svc.charging.credit_payment(payment_id, user_id, money, currency, ctx.req.body());
  if (!credit.credited) spdlog::info("payment {} replayed: nothing credited", payment_id);

  Reply r;
  r.data = {{"payment_id", payment_id},
            {"user_id", user_id},
            {"amount", money.str()},
            {"currency", currency},
            {"new_balance", credit.new_balance.str()}};
  co_return r;
}

}  // namespace

std::vector<Route> payment_routes() {
  return {
      {http::verb::post, "/api/v1/payment/webhook", Access::Webhook, webhook},
  };
}

}  // namespace evp::api
