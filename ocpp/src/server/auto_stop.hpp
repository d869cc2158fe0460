#pragma once
#include <boost/asio/awaitable.hpp>

#include "charging/charging.hpp"
#include "ocpp/central_system.hpp"

namespace evp::ocpp::detail {

/// Claims the stop (once per transaction), sends RemoteStopTransaction and releases the
/// claim when the station refuses or cannot be reached (the next reading tries again).
/// Never throws.
asio::awaitable<void> auto_stop(CentralSystem& cs, charging::Service& charging, charging::StopDue due);

}  // namespace evp::ocpp::detail
