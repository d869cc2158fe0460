#pragma once
// How a driver's charging session looks in JSON (status, history): one SELECT shared by
// both so the two can never disagree on energy or cost.
#include <nlohmann/json.hpp>
#include <string>

#include "db/db.hpp"

namespace evp::api {

/// SELECT list + FROM for sessions joined with their transaction and station; append a
/// WHERE clause. Column order is what session_json() reads.
extern const char* const kSessionSelect;

/// Energy so far from meter_last (or meter_stop), cost so far at the price snapshot, or the
/// charged amount once completed. Money and kWh as decimal strings.
nlohmann::json session_json(const db::Result& res, int row);

}  // namespace evp::api
