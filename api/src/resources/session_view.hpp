#pragma once
// How a driver's charging session looks in JSON (status, history): one function shared by
// both so the two can never disagree on energy or cost.
#include <nlohmann/json.hpp>

#include "charging/views.hpp"

namespace evp::api {

/// Energy so far (or at the stop), the running cost so far at the price snapshot, or what
/// was charged once completed. Money and kWh as decimal strings.
nlohmann::json session_json(const charging::SessionView& s);

/// A transaction as owners see it: no driver identity, no id tag (operators add both).
/// `amount` is what the driver was charged: null while running, for unpaid and suspect ones.
nlohmann::json transaction_json(const charging::OwnerTransaction& t);

}  // namespace evp::api
