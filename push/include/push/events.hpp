#pragma once
/// The notifications of the product: their exact Russian texts, icons and data keys.
///
/// Callers pass exact values: energy as integer Wh (meter readings) and money as
/// common::Money, never binary floating point. Both are printed with exactly two decimals
/// (energy rounded half up to hundredths of a kWh).
///
/// Data values: ids are strings, `connector_id` is a JSON number, money and energy are
/// decimal strings with two decimals ("12.35") - JSON numbers would be read back as binary
/// doubles by the service worker, and strings keep the exact value the body shows.
/// Every payload also carries `data.type` (added by Notification::payload()).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/money.hpp"
#include "common/time.hpp"
#include "push/notification.hpp"

namespace evp::push::events {

using common::Money;

/// `{station}` of the texts: the display name, or the station id when the name is empty.
struct Station {
  std::string id;
  std::string display_name;
  std::string label() const { return display_name.empty() ? id : display_name; }
};

/// Wh -> kWh with two decimals, half up: 12345 -> "12.35", 4 -> "0.00", 5 -> "0.01".
std::string format_kwh(std::int64_t wh);

/// Driver: StartTransaction accepted for the driver's session.
Notification charging_started(std::string_view session_id, const Station& station, int connector_id);
/// Driver: StopTransaction of the driver's session. `amount` is the cost charged.
Notification charging_completed(std::string_view session_id, std::int64_t energy_wh, Money amount);
/// Driver: StatusNotification with errorCode != NoError on the connector of an active session.
/// `vendor_error_code` may be empty (sent as "").
Notification charging_error(std::string_view session_id, const Station& station, int connector_id,
                            std::string_view error_code, std::string_view vendor_error_code);
/// Driver: balance below the threshold after a debit.
Notification low_balance_warning(Money balance, Money threshold);
/// Driver: a payment credited the balance.
Notification payment_confirmed(std::string_view payment_id, Money amount, Money new_balance);
/// Owner: StartTransaction on the owner's station.
Notification new_session(std::string_view session_id, const Station& station, int connector_id);
/// Owner: StopTransaction on the owner's station; `amount` is the income.
Notification session_completed(std::string_view session_id, const Station& station, std::int64_t energy_wh,
                               Money amount);

/// Bishkek time (Asia/Bishkek, UTC+6 all year since 2005): what the PWA's users read.
inline constexpr std::chrono::minutes kDefaultDisplayOffset{6 * 60};

/// Owner: the station stopped talking. The body shows `last_seen` as "dd.mm.yyyy hh:mm" in
/// local time (`utc_offset`); data.last_seen is RFC 3339 UTC ("2026-11-26T09:52:49.000Z").
Notification station_offline(const Station& station, common::TimePoint last_seen,
                             std::chrono::minutes utc_offset = kDefaultDisplayOffset);

/// Any user: POST /api/v1/notifications/test.
Notification test();

}  // namespace evp::push::events
