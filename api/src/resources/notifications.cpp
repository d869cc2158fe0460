// Web Push subscriptions of the signed-in user: the original plan's endpoints plus a list
// of one's own subscriptions. A user only ever sees or removes rows with their user_id.
#include <boost/asio/use_awaitable.hpp>

#include "common/base64.hpp"
#include "db/db.hpp"
#include "http/context.hpp"
#include "http/metrics.hpp"
#include "http/throttle.hpp"
#include "push/crypto.hpp"
#include "push/events.hpp"
#include "push/service.hpp"
#include "resources/resources.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

bool push_on(const Context& ctx) { return ctx.svc.push != nullptr && ctx.svc.push->enabled(); }

[[noreturn]] void push_disabled() {
  throw ApiError(http::status::service_unavailable, "push_disabled", "push notifications are disabled on this server");
}

// The role a subscription is for: as requested (if the user has it), else the user's role.
std::string user_type_for(const Context& ctx, const std::optional<std::string>& requested) {
  if (requested) {
    if (*requested != "client" && *requested != "owner") bad_field("user_type", "must be 'client' or 'owner'");
    if ((*requested == "client" && !ctx.user.client) || (*requested == "owner" && !ctx.user.owner))
      throw ApiError(http::status::forbidden, "forbidden", "user has no " + *requested + " account");
    return *requested;
  }
  return ctx.user.client ? "client" : "owner";
}

awaitable<Reply> vapid_public_key(Context& ctx) {
  if (!push_on(ctx) || ctx.svc.push->vapid_public_key().empty()) push_disabled();
  Reply r;
  r.data = {{"public_key", ctx.svc.push->vapid_public_key()}};
  co_return r;
}

awaitable<Reply> subscribe(Context& ctx) {
  // Each subscribe costs a DNS lookup of a host the caller chose.
  rate_limit(ctx, ctx.svc.limits.subscribe, "subscribe");
  auto body = ctx.body();
  // Accept the PushSubscription itself or wrapped as {"subscription": {...}, "user_type": ...}.
  auto sub = body.has("subscription") ? body.object("subscription") : body;
  std::string endpoint = sub.str("endpoint", 2048);
  auto keys = sub.object("keys");
  std::string p256dh = keys.str("p256dh", 256), auth = keys.str("auth", 64);
  auto p256dh_raw = common::base64_decode_any(p256dh);
  if (!p256dh_raw || p256dh_raw->size() != 65 || (*p256dh_raw)[0] != 0x04)
    bad_field(keys.path("p256dh"), "must be base64url of a 65-byte uncompressed P-256 point");
  auto auth_raw = common::base64_decode_any(auth);
  if (!auth_raw || auth_raw->size() != 16) bad_field(keys.path("auth"), "must be base64url of 16 bytes");
  try {
    (void)push::ReceiverKeys::from_base64url(p256dh, auth);  // also checks the point is on the curve
  } catch (const push::CryptoError& e) {
    bad_field(keys.path("p256dh"), std::string("is not a valid P-256 public key: ") + e.what());
  }
  std::string user_type = user_type_for(ctx, body.opt_str("user_type", 10));
  std::string why =
      co_await push::check_endpoint(ctx.svc.resolver, endpoint, ctx.svc.config.allow_insecure_push_endpoints);
  if (!why.empty()) bad_field(sub.path("endpoint"), "is not an acceptable push endpoint: " + why);

  std::string user_agent(ctx.req[http::field::user_agent].substr(0, 512));
  // Every subscription is a target the server sends to: a user holds a bounded number.
  // The per-user advisory lock makes count-then-insert atomic among concurrent requests.
  const auto cap = static_cast<std::int64_t>(ctx.svc.config.max_subscriptions_per_user);
  std::string id;
  bool created = false, over_cap = false;
  co_await ctx.svc.pool.transaction([&](db::Connection& tx) -> awaitable<void> {
    over_cap = false;
    auto lock_params = db::params(ctx.user.id);
    co_await tx.query("SELECT pg_advisory_xact_lock(hashtext('push_subscriptions:' || $1))", std::move(lock_params));
    if (cap > 0) {
      auto count_params = db::params(ctx.user.id, endpoint);
      auto others = co_await tx.query(
          "SELECT count(*) FROM push_subscriptions WHERE user_id = $1 AND endpoint <> $2", std::move(count_params));
      if (others.get_int(0, 0) >= cap) {
        over_cap = true;
        co_return;
      }
    }
    auto insert_params = db::params(ctx.user.id, user_type, endpoint, p256dh, auth, user_agent);
    auto res = co_await tx.query(
        "INSERT INTO push_subscriptions (user_id, user_type, endpoint, p256dh_key, auth_key, user_agent) "
        "VALUES ($1, $2, $3, $4, $5, nullif($6, '')) "
        "ON CONFLICT (user_id, endpoint) DO UPDATE SET user_type = EXCLUDED.user_type, "
        "p256dh_key = EXCLUDED.p256dh_key, auth_key = EXCLUDED.auth_key, user_agent = EXCLUDED.user_agent "
        "RETURNING id, (xmax = 0) AS created",
        std::move(insert_params));
    id = std::string(res.get(0, 0));
    created = res.get_bool(0, 1);
  });
  if (over_cap) {
    ctx.svc.metrics.subscription_cap_reached();
    throw ApiError(http::status::conflict, "too_many_subscriptions",
                   "at most " + std::to_string(cap) + " push subscriptions per user: unsubscribe an old one first");
  }
  Reply r;
  r.status = created ? http::status::created : http::status::ok;
  r.data = {{"id", id}, {"user_type", user_type}, {"created", created}};
  co_return r;
}

awaitable<Reply> unsubscribe(Context& ctx) {
  auto body = ctx.body();
  std::string endpoint = body.str("endpoint", 2048);
  auto res = co_await ctx.svc.pool.query("DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2",
                                         db::params(ctx.user.id, endpoint));
  // Another user's endpoint looks exactly like an unknown one.
  if (res.affected() == 0)
    throw ApiError(http::status::not_found, "subscription_not_found", "no subscription with this endpoint");
  Reply r;
  r.data = {{"removed", res.affected()}};
  co_return r;
}

awaitable<Reply> list(Context& ctx) {
  auto res = co_await ctx.svc.pool.query(
      "SELECT id, user_type, endpoint, user_agent, created_at, updated_at, last_used_at "
      "FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at",
      db::params(ctx.user.id));
  auto out = nlohmann::json::array();
  for (int i = 0; i < res.rows(); ++i) {
    // Keys are secrets of the browser: never echoed back.
    out.push_back({{"id", res.get(i, 0)},
                   {"user_type", res.get(i, 1)},
                   {"endpoint", res.get(i, 2)},
                   {"user_agent", nullable(res.opt(i, 3))},
                   {"created_at", nullable(res.opt(i, 4))},
                   {"updated_at", nullable(res.opt(i, 5))},
                   {"last_used_at", nullable(res.opt(i, 6))}});
  }
  Reply r;
  r.data = std::move(out);
  co_return r;
}

awaitable<Reply> send_test(Context& ctx) {
  if (!push_on(ctx)) push_disabled();
  // A test push is traffic to someone else's push service, on the caller's say-so.
  rate_limit(ctx, ctx.svc.limits.test_push, "test_push");
  auto counts = co_await ctx.svc.pool.query(
      "SELECT count(*) FILTER (WHERE user_type = 'client'), count(*) FILTER (WHERE user_type = 'owner') "
      "FROM push_subscriptions WHERE user_id = $1",
      db::params(ctx.user.id));
  std::int64_t clients = counts.get_int(0, 0), owners = counts.get_int(0, 1);
  if (clients + owners == 0)
    throw ApiError(http::status::not_found, "no_subscriptions", "the user has no push subscriptions");
  auto note = push::events::test();
  co_await ctx.svc.pool.transaction([&](db::Connection& tx) -> awaitable<void> {
    if (clients) co_await ctx.svc.push->enqueue(tx, ctx.user.id, push::UserType::Client, note);
    if (owners) co_await ctx.svc.push->enqueue(tx, ctx.user.id, push::UserType::Owner, note);
  });
  ctx.svc.push->wake();
  Reply r;
  r.status = http::status::accepted;
  r.data = {{"subscriptions", clients + owners}, {"queued", clients + owners}};
  co_return r;
}

}  // namespace

std::vector<Route> notification_routes() {
  return {
      {http::verb::get, "/api/v1/notifications/vapid-public-key", Access::Public, vapid_public_key},
      {http::verb::post, "/api/v1/notifications/subscribe", Access::User, subscribe},
      {http::verb::post, "/api/v1/notifications/unsubscribe", Access::User, unsubscribe},
      {http::verb::get, "/api/v1/notifications/subscriptions", Access::User, list},
      {http::verb::post, "/api/v1/notifications/test", Access::User, send_test},
  };
}

}  // namespace evp::api
