#include "resources/session_view.hpp"

#include "http/context.hpp"

namespace evp::api {

nlohmann::json session_json(const charging::SessionView& s) {
  nlohmann::json j{{"session_id", s.session_id},
                   {"status", s.status},
                   {"station_id", s.station_id},
                   {"station_name", s.station_name},
                   {"connector_id", s.connector_id},
                   {"limit_kwh", nullable(s.limit_kwh)},
                   {"limit_amount", nullable(s.limit_amount)},
                   {"failure_reason", nullable(s.failure_reason)},
                   {"station_status", nullable(s.station_answer)},
                   {"created_at", s.created_at},
                   {"stop_requested_at", nullable(s.stop_requested_at)},
                   {"auto_stop_reason", nullable(s.auto_stop_reason)},
                   {"reserved", s.reserved.str()},
                   {"transaction_id", s.transaction_id ? nlohmann::json(*s.transaction_id) : nlohmann::json(nullptr)}};
  if (s.transaction_id) {
    j["started_at"] = nullable(s.started_at);
    j["stopped_at"] = nullable(s.stopped_at);
    j["stop_reason"] = nullable(s.stop_reason);
    j["end_reason"] = nullable(s.end_reason);
    j["billing"] = nullable(s.billing);
  }
  j["energy_wh"] = s.energy_wh;
  j["energy_kwh"] = common::format_decimal(s.energy_wh, 3);
  j["price_per_kwh"] = s.price_per_kwh.str();
  j["cost"] = s.cost.str();
  return j;
}

nlohmann::json transaction_json(const charging::OwnerTransaction& t) {
  return {{"transaction_id", t.transaction_id},
          {"station_id", t.station_id},
          {"connector_id", t.connector_id},
          {"status", t.status},
          {"started_at", t.started_at},
          {"stopped_at", nullable(t.stopped_at)},
          {"energy_wh", t.energy_wh},
          {"amount", t.charged ? nlohmann::json(t.charged->str()) : nlohmann::json(nullptr)},
          {"price_per_kwh", t.price_per_kwh.str()},
          {"stop_reason", nullable(t.stop_reason)},
          {"end_reason", nullable(t.end_reason)},
          {"billing", nullable(t.billing)},
          {"session_id", nullable(t.session_id)}};
}

}  // namespace evp::api
