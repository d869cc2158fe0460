#pragma once
// The server stops a session by itself when a limit is reached (see Server::check_limits).
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace evp::api {

struct Services;

/// Why a running transaction must stop now, or nullopt. Pure, for tests: energy in Wh,
/// money in tyiyn; absent limits/balance are nullopt.
std::optional<std::string> limit_reached(std::int64_t energy_wh, std::int64_t cost,
                                         std::optional<std::int64_t> limit_wh, std::optional<std::int64_t> limit_amount,
                                         std::optional<std::int64_t> balance);

/// Loads the transaction, and when limit_reached() says so sends RemoteStopTransaction
/// (once). Never throws: failures are logged and retried on the next meter reading.
boost::asio::awaitable<void> check_limits(Services& svc, std::int64_t transaction_id);

}  // namespace evp::api
