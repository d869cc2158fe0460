#pragma once
// Private seam between the transport (WebSocket sessions, RPC framing, replay cache) and
// the business logic (typed validation + handlers that talk to PostgreSQL and push).
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "ocpp/rpc.hpp"

namespace evp::ocpp::detail {

/// What the transport knows about the station behind a connection.
struct StationContext {
  std::string station_id;          ///< chargePointId from the URL
  bool registered = false;         ///< row existed (false while auto-registration is creating it)
  bool accepted = true;            ///< false while BootNotification answered Pending
  std::string remote_address;
};

/// Handles CALLs coming from a station. Implementations validate the payload into the
/// typed Req struct (CallError on failure), run the handler and return the Conf as JSON.
/// Any CallError is answered as a CALLERROR; any other exception becomes InternalError.
class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  virtual boost::asio::awaitable<nlohmann::json> handle(StationContext& station, const Call& call) = 0;
  /// Writes state held behind (connector states) now.
  virtual boost::asio::awaitable<void> flush() { co_return; }
  /// Writes what is held behind; called once at shutdown, after the last CALL.
  virtual boost::asio::awaitable<void> stop() { co_return; }
};

}  // namespace evp::ocpp::detail
