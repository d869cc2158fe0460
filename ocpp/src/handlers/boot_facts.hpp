#pragma once
// What a BootNotification tells about a station (vendor, model, serial numbers, firmware,
// ICCID/IMSI, meter) is plain state, written behind like connector states: the boot is
// answered after one read (the registration status, which must be current), and the facts
// of every boot since the last flush go to the database in one statement. In a reconnect
// storm that is one write per flush instead of one commit per station. Soft state: facts
// queued when the process dies are lost and written again at the station's next boot.
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

struct BootFactsRow {
  std::string station_id;
  std::string vendor, model;
  std::optional<std::string> serial_number, charge_box_serial_number, firmware_version, iccid, imsi, meter_type,
      meter_serial_number;
  common::TimePoint at{};  ///< when the boot arrived (last_boot_at)
};

class BootFacts {
 public:
  BootFacts(db::Pool& pool, std::chrono::milliseconds flush_interval);
  ~BootFacts();
  BootFacts(const BootFacts&) = delete;
  BootFacts& operator=(const BootFacts&) = delete;

  /// Queues the row for the next flush (replacing an older one of the station). The first
  /// call starts the flusher on `executor`.
  void put(asio::any_io_executor executor, BootFactsRow row);
  /// Writes what is queued now.
  asio::awaitable<void> flush();
  /// Writes what is queued and stops the flusher.
  asio::awaitable<void> stop();
  std::size_t pending() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace evp::ocpp::handlers
