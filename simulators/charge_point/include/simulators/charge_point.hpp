#pragma once
/// A simulated OCPP 1.6J charge point: a WebSocket client (ws:// or wss://, subprotocol
/// "ocpp1.6", HTTP Basic auth) that sends station->central-system CALLs one at a time and
/// answers central-system CALLs the way a real station does (RemoteStart -> StartTransaction
/// and periodic MeterValues, Reset -> reconnect and BootNotification, ...).
///
/// Used by the `evp-cp-sim` CLI (scenario and fleet benchmark) and by integration tests.
/// Runs on one Asio executor (single thread); no method is thread-safe.
///
/// Framing is implemented here with nlohmann::json on purpose, independently of the
/// server's parser (ocpp/rpc.hpp): the simulator is a test oracle, and sharing the parser
/// would hide a framing bug present on both sides.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace evp::sim {

using Json = nlohmann::json;
using Duration = std::chrono::steady_clock::duration;

struct ChargePointOptions {
  /// Base URL without the station id, e.g. "ws://127.0.0.1:8180/ocpp" or "wss://host/ocpp".
  /// The target is `<path>/<id>`.
  std::string url;
  std::string id;
  /// HTTP Basic auth password (user = id). Empty: no Authorization header.
  std::string password;
  /// TLS: CA file to verify the server with; `insecure` skips verification.
  std::string ca_file;
  bool insecure = false;
  /// Subprotocols offered in the handshake (tests offer wrong ones). The server must select
  /// "ocpp1.6" unless `require_subprotocol` is false.
  std::vector<std::string> subprotocols{"ocpp1.6"};
  bool require_subprotocol = true;

  /// Local address to connect from (e.g. one of 127.0.0.1-127.255.255.254); empty: any.
  std::string source_address;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds call_timeout{10000};
  /// Back-pressure bound of the outgoing frame queue; a station that cannot write this many
  /// frames is disconnected rather than growing memory.
  std::size_t max_queued_frames = 1000;

  int connectors = 2;
  std::string vendor = "EvPower";
  std::string model = "EVP-SIM";
  std::string serial;  ///< chargePointSerialNumber; empty: omitted
  std::string firmware = "sim-1.0";

  /// After a BootNotification Accepted, send Heartbeats at the interval the server gave.
  bool auto_heartbeat = false;
  /// Send MeterValues every MeterValueSampleInterval seconds while a transaction runs that
  /// the central system started (RemoteStartTransaction).
  bool auto_meter_values = true;
  /// Energy added per MeterValues sample while charging (Wh).
  int wh_per_sample = 250;
  /// Log every frame in and out (spdlog debug).
  bool log_frames = false;
  /// Answer CALLs of these actions only after this long, as a station on a slow uplink does;
  /// what the answer leads to (StartTransaction after RemoteStartTransaction) follows it.
  std::map<std::string, std::chrono::milliseconds> answer_delay;
  /// The OCPP 1.6 feature profiles the station implements (its SupportedFeatureProfiles).
  /// CALLs of a profile left out are answered with CALLERROR NotImplemented, as a station
  /// without that profile does.
  std::vector<std::string> feature_profiles{"Core",        "FirmwareManagement", "LocalAuthListManagement",
                                            "Reservation", "SmartCharging",      "RemoteTrigger"};
  /// Time between the steps of a firmware update (Downloading, Downloaded, Installing,
  /// Installed) and of a diagnostics upload (Uploading, Uploaded).
  std::chrono::milliseconds firmware_step{1000};
  std::chrono::milliseconds diagnostics_step{1000};
};

/// The handshake failed. `http_status` is the server's status when it declined the
/// upgrade (401, 404, ...), 0 for network/TLS errors.
class ConnectError : public std::runtime_error {
 public:
  ConnectError(const std::string& what, int http_status) : std::runtime_error(what), http_status_(http_status) {}
  int http_status() const { return http_status_; }

 private:
  int http_status_;
};

/// The central system answered a CALL with a CALLERROR.
class CallErrorReply : public std::runtime_error {
 public:
  CallErrorReply(std::string code, std::string description, Json details)
      : std::runtime_error(code + ": " + description),
        code_(std::move(code)),
        description_(std::move(description)),
        details_(std::move(details)) {}
  const std::string& code() const { return code_; }
  const std::string& description() const { return description_; }
  const Json& details() const { return details_; }

 private:
  std::string code_, description_;
  Json details_;
};

/// No answer within the call timeout, or the connection dropped while waiting.
class CallTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Counters and last values, for tests and the CLI.
struct ChargePointMetrics {
  std::map<std::string, std::uint64_t> calls_sent;       ///< by action
  std::map<std::string, std::uint64_t> calls_received;   ///< CALLs from the central system, by action
  std::map<std::string, Json> last_result;               ///< last CALLRESULT payload by action sent
  std::map<std::string, Json> last_received;             ///< last CALL payload received, by action
  std::vector<std::int64_t> transaction_ids;             ///< every id StartTransaction returned
  std::uint64_t call_errors = 0;                         ///< CALLERRORs received
  std::uint64_t timeouts = 0;
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t pings_received = 0;
  std::uint64_t unexpected_frames = 0;  ///< replies nobody waited for, unparsable frames
};

/// A transaction running on a connector.
struct Transaction {
  std::int64_t id = 0;
  int connector = 0;
  std::string id_tag;
  std::int64_t meter_start = 0;
  std::int64_t meter_now = 0;
  bool remote = false;  ///< started by RemoteStartTransaction
};

class ChargePoint {
 public:
  ChargePoint(boost::asio::any_io_executor executor, ChargePointOptions options);
  ~ChargePoint();
  ChargePoint(const ChargePoint&) = delete;
  ChargePoint& operator=(const ChargePoint&) = delete;

  /// TCP connect, (TLS), WebSocket handshake. Throws ConnectError.
  boost::asio::awaitable<void> connect();
  /// Sends a WebSocket close and waits (bounded) for the connection to end.
  boost::asio::awaitable<void> close();
  bool connected() const;

  /// Sends one CALL and returns the CALLRESULT payload. At most one CALL is outstanding;
  /// further calls wait their turn (a real station's behaviour). Throws CallErrorReply,
  /// CallTimeout, or std::runtime_error when not connected. `message_id` empty: generated.
  boost::asio::awaitable<Json> call(std::string action, Json payload, std::string message_id = {});

  /// Sends an arbitrary text frame (bad-frame tests) and returns the next frame from the
  /// server that is not a CALL and not the answer to a call() (CALLs are still handled), or
  /// nullopt after `timeout`. Serialised with call() so replies cannot be confused.
  boost::asio::awaitable<std::optional<std::string>> send_raw(std::string text, Duration timeout);

  // Typed helpers. Each returns the CALLRESULT payload (or the transaction id).
  boost::asio::awaitable<Json> boot();
  boost::asio::awaitable<Json> heartbeat();
  boost::asio::awaitable<Json> status(int connector, std::string status, std::string error_code = "NoError",
                                      std::string info = {}, std::string vendor_error_code = {});
  /// Authorize.req while connected (the answer also goes into the authorization cache);
  /// offline, the answer comes from the Local Authorization List, then the cache
  /// (LocalAuthorizeOffline), else Invalid - no message is sent.
  boost::asio::awaitable<Json> authorize(std::string id_tag);
  /// Returns the transactionId and records the transaction as running on `connector`. A
  /// reservation of `connector` for this idTag (or its parent) is used: the request carries
  /// its reservationId and the reservation ends.
  boost::asio::awaitable<std::int64_t> start_transaction(int connector, std::string id_tag, std::int64_t meter_start);
  /// One Energy.Active.Import.Register sample in Wh.
  boost::asio::awaitable<Json> meter_values(int connector, std::optional<std::int64_t> transaction_id,
                                            std::int64_t wh);
  boost::asio::awaitable<Json> stop_transaction(std::int64_t transaction_id, std::int64_t meter_stop,
                                                std::string reason = "Local", std::string id_tag = {});
  boost::asio::awaitable<Json> data_transfer(std::string vendor_id, std::string message_id, std::string data);

  /// Power loss: the connection drops without a StopTransaction and the station forgets its
  /// transactions (as stations without persistent transaction storage do); then it
  /// reconnects, boots and reports every connector Available.
  boost::asio::awaitable<void> power_cycle();

  /// Silence: stop reading and writing at the TCP level (no OCPP messages, no pongs, no
  /// answers), as a station with a broken uplink. The connection stays open.
  void set_silent(bool silent);
  bool silent() const;

  /// Overrides the answer to a CALL from the central system. Return nullopt to use the
  /// default behaviour; throw CallErrorReply to answer with a CALLERROR.
  using CallHook = std::function<std::optional<Json>(const std::string& action, const Json& payload)>;
  void set_call_hook(CallHook hook);
  /// Observes every finished call(): action, send->reply latency, ok (false: error/timeout).
  using CallObserver = std::function<void(const std::string& action, Duration latency, bool ok)>;
  void set_call_observer(CallObserver observer);

  const ChargePointMetrics& metrics() const;
  /// Transactions running now, by connector.
  const std::map<int, Transaction>& transactions() const;
  /// Configuration key store (GetConfiguration/ChangeConfiguration).
  std::optional<std::string> config(const std::string& key) const;
  /// The Local Authorization List (SendLocalList): version (0: empty) and idTagInfo by idTag.
  int local_list_version() const;
  std::map<std::string, Json> local_list() const;
  /// Reservations by connector: {"reservationId", "idTag", "expiryDate"[, "parentIdTag"]}.
  std::map<int, Json> reservations() const;
  /// Installed charging profiles: {"connectorId", "csChargingProfiles"} each.
  std::vector<Json> charging_profiles() const;
  /// The last status reported of a connector ("" before any).
  std::string connector_status(int connector) const;
  /// Last BootNotification result status ("" before the first boot).
  const std::string& registration_status() const;
  /// The HTTP subprotocol the server selected in the last handshake.
  const std::string& negotiated_subprotocol() const;
  const ChargePointOptions& options() const;

  /// Waits until a CALL with `action` from the central system has been received at least
  /// `count` times in total, or `timeout` passes. Returns whether it happened.
  boost::asio::awaitable<bool> wait_for_call(std::string action, std::uint64_t count, Duration timeout);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace evp::sim
