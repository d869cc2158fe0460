#include "resources/session_view.hpp"

#include <algorithm>

#include "http/context.hpp"
#include "util/money.hpp"

namespace evp::api {

const char* const kSessionSelect =
    "SELECT s.id, s.status, s.station_id, s.connector_id, s.limit_kwh::text, s.limit_amount::text, "
    "s.failure_reason, s.created_at, s.stop_requested_at, s.auto_stop_reason, "
    "t.id, t.meter_start, coalesce(t.meter_stop, t.meter_last, t.meter_start), t.price_per_kwh::text, "
    "t.amount::text, t.start_timestamp, t.stop_timestamp, t.stop_reason, "
    "st.display_name, st.price_per_kwh::text "
    "FROM charging_sessions s LEFT JOIN transactions t ON t.id = s.transaction_id "
    "JOIN stations st ON st.id = s.station_id ";

nlohmann::json session_json(const db::Result& r, int i) {
  nlohmann::json j{{"session_id", r.get(i, 0)},
                   {"status", r.get(i, 1)},
                   {"station_id", r.get(i, 2)},
                   {"station_name", r.opt(i, 18).value_or(std::string(r.get(i, 2)))},
                   {"connector_id", r.get_int(i, 3)},
                   {"limit_kwh", nullable(r.opt(i, 4))},
                   {"limit_amount", nullable(r.opt(i, 5))},
                   {"failure_reason", nullable(r.opt(i, 6))},
                   {"created_at", r.get(i, 7)},
                   {"stop_requested_at", nullable(r.opt(i, 8))},
                   {"auto_stop_reason", nullable(r.opt(i, 9))}};
  std::int64_t energy_wh = 0;
  std::string price(r.is_null(i, 13) ? r.get(i, 19) : r.get(i, 13));
  std::string cost = "0.00";
  if (!r.is_null(i, 10)) {
    j["transaction_id"] = r.get_int(i, 10);
    energy_wh = std::max<std::int64_t>(0, r.get_int(i, 12) - r.get_int(i, 11));
    if (!r.is_null(i, 14)) {
      cost = r.get(i, 14);
    } else {
      cost = format_money(energy_cost(energy_wh, parse_money(price).value_or(0)));
    }
    j["started_at"] = r.get(i, 15);
    j["stopped_at"] = nullable(r.opt(i, 16));
    j["stop_reason"] = nullable(r.opt(i, 17));
  } else {
    j["transaction_id"] = nullptr;
  }
  j["energy_wh"] = energy_wh;
  j["energy_kwh"] = format_decimal(energy_wh, 3);
  j["price_per_kwh"] = price;
  j["cost"] = cost;
  return j;
}

}  // namespace evp::api
