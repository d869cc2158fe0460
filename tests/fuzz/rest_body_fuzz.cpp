// The REST API's body parsing (Context::body, JsonFields, the exact decimal parser), driven
// through the field sequences of the handlers that take a body. Input: byte 0 (modulo 5)
// chooses the handler, the rest is the request body:
//   0 POST /charging/start   1 POST /charging/stop   2 DELETE /notifications/subscribe
//   3 POST /payments/webhook (after its signature check)   4 PUT /notifications/preferences
// Invariants: a bad body fails only with ApiError (the API's 4xx), never with another
// exception (a 500); accepted amounts format and parse back to the same value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api_context.hpp"
#include "common/money.hpp"
#include "fuzz_check.hpp"

using namespace evp::api;
using evp::common::format_decimal;
using evp::common::parse_decimal;
using evp::fuzz::check;

namespace {

void decimal_round_trip(std::optional<std::int64_t> value, int scale) {
  if (!value) return;
  check(parse_decimal(format_decimal(*value, scale), scale) == value, "decimal format/parse round trip changed");
}

void charging_start(Context& ctx) {
  auto body = ctx.body();
  (void)body.str("station_id", 48);
  (void)body.integer("connector_id", 1, 99);
  decimal_round_trip(body.opt_decimal("limit_kwh", 3), 3);
  decimal_round_trip(body.opt_decimal("limit_amount", 2), 2);
}

void charging_stop(Context& ctx) { (void)ctx.body().str("session_id", 36); }

void unsubscribe(Context& ctx) { (void)ctx.body().str("endpoint", 2048); }

void payment(Context& ctx) {
  auto body = ctx.body();
  (void)body.str("payment_id", 100);
  std::string user_id = body.str("user_id", 36);
  if (!is_uuid(user_id)) bad_field("user_id", "must be a UUID");
  auto amount = body.opt_decimal("amount", 2);
  if (!amount) bad_field("amount", "is required");
  const auto money = evp::common::Money::tyiyn(*amount);
  check(evp::common::Money::parse(money.str()) == money, "money format/parse round trip changed");
  (void)body.opt_str("currency", 3);
}

void preferences(Context& ctx) {
  const nlohmann::json& raw = ctx.body_json();
  const nlohmann::json& map = raw.contains("preferences") ? raw["preferences"] : raw;
  if (!map.is_object() || map.empty()) bad_field("preferences", "must be an object of event_type: true|false");
  for (const auto& [event, value] : map.items()) {
    std::string field = raw.contains("preferences") ? "preferences." + event : event;
    if (!value.is_boolean()) bad_field(field, "must be true or false");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  evp::fuzz::FuzzRequest request(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  Context ctx = request.context();
  try {
    switch (data[0] % 5) {
      case 0:
        charging_start(ctx);
        break;
      case 1:
        charging_stop(ctx);
        break;
      case 2:
        unsubscribe(ctx);
        break;
      case 3:
        payment(ctx);
        break;
      default:
        preferences(ctx);
        break;
    }
  } catch (const ApiError& e) {
    check(static_cast<unsigned>(e.status()) / 100 == 4, "a body refused with a status other than 4xx");
    // The dispatcher puts the message into the JSON error body.
    (void)nlohmann::json({{"message", e.what()}}).dump();
  }
  return 0;
}
