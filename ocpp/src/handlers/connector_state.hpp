#pragma once
// Connector state held on the loop and written behind. The loop knows the last state of
// every connector it has seen (what it wrote or queued); a StatusNotification that raises
// no event is answered from memory and its row goes to the database with the others of the
// next flush (one statement per flush). A fault that is new for the connector is still
// written, with its charging_error, in one transaction before the answer (the handler does
// that). Soft state: what is queued when the process dies is lost, and re-learned from the
// station's next StatusNotification (the first one of a connector after a start always
// goes to the database, and tells the loop what the database held).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/time.hpp"
#include "db/db.hpp"

namespace evp::ocpp::handlers {

namespace asio = boost::asio;

struct ConnectorRow {
  std::string station_id;
  int connector_id = 0;
  std::string status, error_code;
  std::optional<std::string> info, vendor_id, vendor_error_code;
  common::TimePoint at{};  ///< the station's timestamp, else when it arrived
};

struct ConnectorWriterStats {
  std::uint64_t queued = 0;        ///< notifications answered from memory
  std::uint64_t flushes = 0;       ///< statements written
  std::uint64_t rows_written = 0;  ///< rows in them (after coalescing)
  std::uint64_t failures = 0;      ///< flushes that failed (their rows are kept)
  std::size_t pending = 0;         ///< rows waiting now
};

class ConnectorState {
 public:
  ConnectorState(db::Pool& pool, std::chrono::milliseconds flush_interval);
  ~ConnectorState();
  ConnectorState(const ConnectorState&) = delete;
  ConnectorState& operator=(const ConnectorState&) = delete;

  /// The last state the loop knows for the connector (written or queued), if any.
  const ConnectorRow* known(const std::string& station_id, int connector_id) const;
  /// The row was written by the caller (synchronously): remember it as known.
  void remember(ConnectorRow row);
  /// The caller's write found newer state in the database: the loop no longer knows.
  void forget(const std::string& station_id, int connector_id);
  /// Queues the row for the next flush (an older queued row of the connector is replaced;
  /// a row older than the one known is dropped) and remembers it. The first call starts
  /// the flusher on `executor`.
  void put(asio::any_io_executor executor, ConnectorRow row);
  /// Writes what is queued now.
  asio::awaitable<void> flush();
  /// Writes what is queued and stops the flusher.
  asio::awaitable<void> stop();

  ConnectorWriterStats stats() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace evp::ocpp::handlers
