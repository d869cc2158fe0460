#pragma once
// What the RPC layer (Hub) sees of one station connection, independent of ws/wss: a way to
// queue frames, to close, and the state of central-system CALLs to that station.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ocpp/central_system.hpp"
#include "server/dispatcher.hpp"
#include "server/status_manager.hpp"

namespace evp::ocpp::detail {

/// A call() waiting for its turn; `granted` when the previous call handed it the slot.
struct CallWaiter {
  explicit CallWaiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool granted = false;
  bool gone = false;  // timed out while waiting
};

/// One central-system CALL waiting for its CALLRESULT/CALLERROR.
struct OutgoingCall {
  explicit OutgoingCall(const asio::any_io_executor& ex) : done(ex) {}
  std::string message_id;
  std::string action;
  asio::steady_timer done;  // expires at the call's deadline; cancelled when answered
  std::optional<nlohmann::json> result;
  std::optional<CallFailed> failure;
};

struct StationState;  // the Hub's per-station record (hub.hpp)

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(StationContext context) : context(std::move(context)) {}
  virtual ~Connection() = default;

  /// Queues a frame for the single writer. Returns false when the write queue was full:
  /// the connection is then being dropped.
  virtual bool send(std::string frame) = 0;
  /// Starts the WebSocket closing handshake after the queued frames are written.
  virtual void close(std::uint16_t code, std::string reason) = 0;
  virtual asio::any_io_executor executor() = 0;
  bool closed() const { return closed_; }

  StationContext context;
  /// Resolved by the Hub when the connection opens, so a frame needs no lookup by station
  /// id. Both records live as long as the Hub (they are never removed).
  StationState* station = nullptr;
  StatusManager::Entry* status = nullptr;

  // Central-system CALLs: at most one outstanding, the others wait in FIFO order.
  std::shared_ptr<OutgoingCall> outstanding;
  bool call_busy = false;
  // A list: empty, it allocates nothing (libstdc++'s deque holds ~576 bytes even empty,
  // and nearly every connection has no waiter all its life).
  std::list<std::shared_ptr<CallWaiter>> call_waiters;

 protected:
  bool closed_ = false;
};

}  // namespace evp::ocpp::detail
