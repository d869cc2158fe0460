#pragma once
// A simulated station (evp_cp_sim's ChargePoint) driven from the doctest thread through the
// test loop. The test decides the energy: it sends each MeterValues reading itself (instead
// of the simulator's 60 s sampling timer), and a RemoteStopTransaction is answered the way a
// station does - Accepted, then StopTransaction with the meter's current reading, then
// Available - so the stop reports the energy the test metered.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "evp/testing/run.hpp"
#include "simulators/charge_point.hpp"

namespace evp::e2e {

using testing::Loop;

class Station {
 public:
  Station(Loop& loop, sim::ChargePointOptions options);
  ~Station();
  Station(const Station&) = delete;
  Station& operator=(const Station&) = delete;

  /// Connect, BootNotification (must be Accepted), StatusNotification Available for the
  /// charge point (connector 0) and each connector.
  void start();
  /// MeterValues on `connector` for its running transaction: `wh` Wh since the
  /// transaction's meterStart. Throws if no transaction runs there.
  void meter(int connector, std::int64_t wh);
  /// StatusNotification as the station would send it.
  void status(int connector, const std::string& status, const std::string& error_code = "NoError",
              const std::string& vendor_error_code = {});
  void set_silent(bool silent);
  /// A charge started at the station itself (an RFID card): StartTransaction, then Charging.
  /// Returns the transaction id.
  std::int64_t start_local(int connector, const std::string& id_tag, std::int64_t meter_start);
  /// StopTransaction of the transaction on `connector` with this absolute register reading
  /// (Wh) - whatever the meter says, plausible or not - then Available.
  void stop_local(int connector, std::int64_t meter_stop);
  /// Power loss: the station drops the connection without stopping its transactions, forgets
  /// them, reconnects and reports every connector Available.
  void power_cycle();

  /// A CALL of the station's own, as it is (e.g. a StartTransaction with a reservationId);
  /// returns the CALLRESULT payload.
  nlohmann::json call(const std::string& action, const nlohmann::json& payload);
  /// Answer ReserveNow and CancelReservation with Accepted (otherwise the simulator's own
  /// answer).
  void accept_reservations(bool accept) { accept_reservations_ = accept; }

  /// The transaction running on `connector` now.
  std::optional<sim::Transaction> transaction(int connector);
  std::uint64_t calls_received(const std::string& action);
  /// StopTransactions this station sent with reason Remote after a RemoteStopTransaction.
  std::uint64_t remote_stops() const { return remote_stops_; }
  const std::string& id() const { return id_; }

 private:
  std::optional<nlohmann::json> on_call(const std::string& action, const nlohmann::json& payload);

  Loop& loop_;
  std::string id_;
  std::unique_ptr<sim::ChargePoint> cp_;
  std::map<int, std::int64_t> meter_;           ///< absolute register reading by connector (Wh)
  std::atomic<std::uint64_t> remote_stops_{0};  // written on the loop, read by the test
  std::atomic<bool> accept_reservations_{false};
};

}  // namespace evp::e2e
