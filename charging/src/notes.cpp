// The notifications of transaction messages for the functions of migration 011. The texts are
// push/events.hpp's; what only the database knows when the one statement runs - the session
// id, the station's label, energy, money, the balance - is rendered as a stand-in that
// evp_render() replaces. The stand-ins cannot be real values: the session id is a fixed UUID,
// the amounts are beyond NUMERIC(12,2), the energy would make any session suspect (no
// notification), and the label is a control-character word JSON escapes.
#include "internal.hpp"
#include "push/events.hpp"

namespace evp::charging {
namespace {

constexpr const char* kSession = "5e5510e0-0000-4000-8000-000000000000";
constexpr const char* kLabel = "\x1fstation\x1f";
constexpr std::int64_t kEnergyWh = 919191919191910;    // "919191919191.91" kWh
constexpr std::int64_t kAmount = 828282828282828;      // "8282828282828.28" som
constexpr std::int64_t kBalance = 737373737373737;     // "7373737373737.37" som

nlohmann::json note(const push::Notification& n) {
  return {{"type", n.type}, {"payload", n.payload().dump()}, {"urgency", n.urgency}, {"topic", n.topic}};
}

}  // namespace

db::Param Outbox::notes(const Config& config, const std::string& station_id, int connector_id) const {
  if (!enabled()) return db::null();
  namespace ev = push::events;
  const ev::Station station{station_id, kLabel};
  const Money amount = Money::tyiyn(kAmount);
  const nlohmann::json out = {
      {"charging_started", note(ev::charging_started(kSession, station, connector_id))},
      {"new_session", note(ev::new_session(kSession, station, connector_id))},
      {"charging_completed", note(ev::charging_completed(kSession, kEnergyWh, amount))},
      {"session_completed", note(ev::session_completed(kSession, station, kEnergyWh, amount))},
      {"low_balance_warning", note(ev::low_balance_warning(Money::tyiyn(kBalance), config.low_balance_threshold))},
  };
  return out.dump();
}

}  // namespace evp::charging
