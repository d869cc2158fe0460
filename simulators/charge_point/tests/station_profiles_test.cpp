// The station's answers to the CALLs of the optional OCPP 1.6 profiles (Firmware
// Management, Local Auth List Management, Reservation, Smart Charging, Remote Trigger) and
// the Core answers that depend on them, against the in-test central system.
#include <doctest/doctest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/time.hpp"
#include "evp/testing/run.hpp"
#include "fake_central_system.hpp"
#include "simulators/charge_point.hpp"

namespace asio = boost::asio;
using evp::sim::ChargePoint;
using evp::sim::ChargePointOptions;
using evp::sim::Json;
using evp::sim::test::FakeCentralSystem;
using namespace std::chrono_literals;

namespace {

ChargePointOptions options_for(const FakeCentralSystem& cs) {
  ChargePointOptions o;
  o.url = cs.url();
  o.id = "CP-PROF";
  o.call_timeout = 5s;
  o.connect_timeout = 5s;
  o.auto_meter_values = false;
  o.firmware_step = 20ms;
  o.diagnostics_step = 20ms;
  return o;
}

#define CHECK_AWAITED(...)                        \
  do {                                            \
    const bool happened_ = co_await __VA_ARGS__; \
    CHECK(happened_);                             \
  } while (0)

Json j(const char* text) { return Json::parse(text); }
Json j(const std::string& text) { return Json::parse(text); }
std::string in_seconds(int s) {
  return evp::common::format_datetime(evp::common::now() + std::chrono::seconds(s));
}
// The payloads of `action` the central system received, oldest first.
std::vector<Json> received(const FakeCentralSystem& cs, const std::string& action) {
  std::vector<Json> out;
  for (const auto& r : cs.received())
    if (r.action == action) out.push_back(r.payload);
  return out;
}
std::vector<std::string> statuses(const FakeCentralSystem& cs, const std::string& action) {
  std::vector<std::string> out;
  for (const auto& p : received(cs, action)) out.push_back(p.value("status", ""));
  return out;
}

Json tx_payload(std::int64_t tx) { return Json{{"transactionId", tx}}; }
std::vector<std::string> switched_off() {
  return {"ReserveNow", "SendLocalList", "GetLocalListVersion", "UpdateFirmware", "SetChargingProfile",
          "GetCompositeSchedule"};
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

TEST_CASE("station profiles: firmware update and diagnostics report their steps") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    co_await cp.boot();
    auto up = co_await cs.call("UpdateFirmware",
                               j(R"({"location": "https://fw.example/v2.bin", "retrieveDate": ")" + in_seconds(1) +
                                 "\"}"));
    CHECK(up == Json::object());
    // Nothing before the retrieveDate.
    co_await sleep_for(300ms);
    CHECK(cs.count("FirmwareStatusNotification") == 0);
    CHECK_AWAITED(cs.wait_for("FirmwareStatusNotification", 4, 5000));
    CHECK(statuses(cs, "FirmwareStatusNotification") ==
          std::vector<std::string>{"Downloading", "Downloaded", "Installing", "Installed"});
    // A location the station cannot fetch from.
    co_await cs.call("UpdateFirmware", j(R"({"location": "gopher://x", "retrieveDate": "2020-01-01T00:00:00Z"})"));
    CHECK_AWAITED(cs.wait_for("FirmwareStatusNotification", 6, 5000));
    CHECK(statuses(cs, "FirmwareStatusNotification").back() == "DownloadFailed");

    auto diag = co_await cs.call("GetDiagnostics", j(R"({"location": "ftp://logs.example/up"})"));
    CHECK(diag.value("fileName", "").rfind("CP-PROF-", 0) == 0);
    CHECK_AWAITED(cs.wait_for("DiagnosticsStatusNotification", 2, 5000));
    CHECK(statuses(cs, "DiagnosticsStatusNotification") == std::vector<std::string>{"Uploading", "Uploaded"});

    // Remote Trigger: nothing in progress now, so Idle.
    auto t = co_await cs.call("TriggerMessage", j(R"({"requestedMessage": "FirmwareStatusNotification"})"));
    CHECK(t["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("FirmwareStatusNotification", 7, 5000));
    CHECK(statuses(cs, "FirmwareStatusNotification").back() == "Idle");
    t = co_await cs.call("TriggerMessage", j(R"({"requestedMessage": "DiagnosticsStatusNotification"})"));
    CHECK_AWAITED(cs.wait_for("DiagnosticsStatusNotification", 3, 5000));
    CHECK(statuses(cs, "DiagnosticsStatusNotification").back() == "Idle");
    t = co_await cs.call("TriggerMessage", j(R"({"requestedMessage": "BootNotification"})"));
    CHECK_AWAITED(cs.wait_for("BootNotification", 2, 5000));
    t = co_await cs.call("TriggerMessage", j(R"({"requestedMessage": "MeterValues", "connectorId": 2})"));
    CHECK_AWAITED(cs.wait_for("MeterValues", 1, 5000));
    CHECK(received(cs, "MeterValues").back()["meterValue"][0]["sampledValue"][0]["context"] == "Trigger");
    t = co_await cs.call("TriggerMessage", j(R"({"requestedMessage": "StatusNotification", "connectorId": 3})"));
    CHECK(t["status"] == "Rejected");  // no connector 3
    co_await cp.close();
  }());
}

TEST_CASE("station profiles: the local authorization list, full and differential, used offline") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    auto v = co_await cs.call("GetLocalListVersion", Json::object());
    CHECK(v["listVersion"] == 0);
    auto r = co_await cs.call("SendLocalList", j(R"({"listVersion": 5, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "CARD-A", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "CARD-B", "idTagInfo": {"status": "Blocked"}},
        {"idTag": "CARD-C", "idTagInfo": {"status": "Accepted", "expiryDate": "2020-01-01T00:00:00Z"}}]})"));
    CHECK(r["status"] == "Accepted");
    CHECK(cp.local_list_version() == 5);
    CHECK(cp.local_list().size() == 3);
    // A differential to a list the station does not have, a bad version, duplicates.
    r = co_await cs.call("SendLocalList", j(R"({"listVersion": 5, "updateType": "Differential"})"));
    CHECK(r["status"] == "VersionMismatch");
    r = co_await cs.call("SendLocalList", j(R"({"listVersion": 0, "updateType": "Full"})"));
    CHECK(r["status"] == "Failed");
    r = co_await cs.call("SendLocalList", j(R"({"listVersion": 9, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "X", "idTagInfo": {"status": "Accepted"}}, {"idTag": "x", "idTagInfo": {"status": "Accepted"}}]})"));
    CHECK(r["status"] == "Failed");
    r = co_await cs.call("SendLocalList", j(R"({"listVersion": 9, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "X"}]})"));
    CHECK(r["status"] == "Failed");  // a full list gives every idTagInfo
    CHECK(cp.local_list_version() == 5);
    // A differential on the right base: B removed, D added.
    r = co_await cs.call("SendLocalList", j(R"({"listVersion": 6, "updateType": "Differential", "localAuthorizationList": [
        {"idTag": "CARD-B"}, {"idTag": "CARD-D", "idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}}]})"));
    CHECK(r["status"] == "Accepted");
    v = co_await cs.call("GetLocalListVersion", Json::object());
    CHECK(v["listVersion"] == 6);
    CHECK(cp.local_list().contains("CARD-D"));
    CHECK_FALSE(cp.local_list().contains("CARD-B"));

    // Online, Authorize asks the central system; offline the local list answers.
    auto online = co_await cp.authorize("ONLINE-1");
    CHECK(online["idTagInfo"]["status"] == "Accepted");
    CHECK(cs.count("Authorize") == 1);
    co_await cp.close();
    CHECK((co_await cp.authorize("card-a"))["idTagInfo"]["status"] == "Accepted");
    CHECK((co_await cp.authorize("CARD-C"))["idTagInfo"]["status"] == "Expired");
    CHECK((co_await cp.authorize("CARD-B"))["idTagInfo"]["status"] == "Invalid");
    CHECK((co_await cp.authorize("ONLINE-1"))["idTagInfo"]["status"] == "Accepted");  // from the cache
    CHECK(cs.count("Authorize") == 1);
    co_await cp.connect();
    CHECK((co_await cs.call("ClearCache", Json::object()))["status"] == "Accepted");
    co_await cp.close();
    CHECK((co_await cp.authorize("ONLINE-1"))["idTagInfo"]["status"] == "Invalid");
    CHECK((co_await cp.authorize("CARD-D"))["idTagInfo"]["status"] == "Accepted");  // the list stays

    // Switched off: SendLocalList is NotSupported.
    co_await cp.connect();
    CHECK((co_await cs.call("ChangeConfiguration", j(R"({"key": "LocalAuthListEnabled", "value": "false"})")))["status"] ==
          "Accepted");
    r = co_await cs.call("SendLocalList", j(R"({"listVersion": 7, "updateType": "Full"})"));
    CHECK(r["status"] == "NotSupported");
    co_await cp.close();
  }());
}

TEST_CASE("station profiles: reservations - accepted, occupied, used by the tag, cancelled, expired") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    co_await cp.boot();
    auto reserve = [&](int connector, int id, const std::string& tag, int seconds) {
      return cs.call("ReserveNow", Json{{"connectorId", connector},
                                        {"reservationId", id},
                                        {"idTag", tag},
                                        {"expiryDate", in_seconds(seconds)}});
    };
    auto r = co_await reserve(1, 11, "RES-TAG", 600);
    CHECK(r["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("StatusNotification", 1, 5000));
    CHECK(received(cs, "StatusNotification").back()["status"] == "Reserved");
    CHECK(cp.reservations().at(1)["reservationId"] == 11);
    r = co_await reserve(1, 12, "OTHER", 600);
    CHECK(r["status"] == "Occupied");  // reserved for someone else
    r = co_await reserve(0, 13, "OTHER", 600);
    CHECK(r["status"] == "Rejected");  // ReserveConnectorZeroSupported is false
    r = co_await reserve(5, 13, "OTHER", 600);
    CHECK(r["status"] == "Rejected");
    // RemoteStart for another tag cannot take the reserved connector.
    auto rs = co_await cs.call("RemoteStartTransaction", j(R"({"idTag": "OTHER", "connectorId": 1})"));
    CHECK(rs["status"] == "Rejected");

    // The reserved tag starts: StartTransaction carries the reservation, which ends.
    const auto tx = co_await cp.start_transaction(1, "res-tag", 0);
    CHECK(received(cs, "StartTransaction").back()["reservationId"] == 11);
    CHECK(cp.reservations().empty());
    r = co_await reserve(1, 14, "OTHER", 600);
    CHECK(r["status"] == "Occupied");  // a transaction runs
    co_await cp.stop_transaction(tx, 100);

    co_await cp.status(2, "Faulted", "GroundFailure");
    r = co_await reserve(2, 15, "OTHER", 600);
    CHECK(r["status"] == "Faulted");
    co_await cp.status(2, "Available");
    CHECK((co_await cs.call("ChangeAvailability", j(R"({"connectorId": 2, "type": "Inoperative"})")))["status"] ==
          "Accepted");
    r = co_await reserve(2, 15, "OTHER", 600);
    CHECK(r["status"] == "Unavailable");
    co_await cs.call("ChangeAvailability", j(R"({"connectorId": 2, "type": "Operative"})"));

    // Cancel: Accepted once, then Rejected; the connector is Available again.
    r = co_await reserve(2, 16, "OTHER", 600);
    CHECK(r["status"] == "Accepted");
    const auto before = cs.count("StatusNotification");
    CHECK((co_await cs.call("CancelReservation", j(R"({"reservationId": 16})")))["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("StatusNotification", before + 1, 5000));
    CHECK(received(cs, "StatusNotification").back()["status"] == "Available");
    CHECK((co_await cs.call("CancelReservation", j(R"({"reservationId": 16})")))["status"] == "Rejected");

    // Expiry: the station frees the connector by itself.
    r = co_await reserve(2, 17, "OTHER", 1);
    CHECK(r["status"] == "Accepted");
    CHECK(cp.reservations().size() == 1);
    for (int i = 0; i < 100 && !(cp.reservations().empty() && cp.connector_status(2) == "Available"); ++i)
      co_await sleep_for(50ms);
    CHECK(cp.reservations().empty());
    CHECK(statuses(cs, "StatusNotification").back() == "Available");
    const auto st = statuses(cs, "StatusNotification");
    CHECK(st[st.size() - 2] == "Reserved");
    co_await cp.close();
  }());
}

TEST_CASE("station profiles: charging profiles stored, cleared and composed") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    co_await cp.boot();
    auto set = [&](int connector, const std::string& profile) {
      return cs.call("SetChargingProfile", j(R"({"connectorId": )" + std::to_string(connector) +
                                             R"(, "csChargingProfiles": )" + profile + "}"));
    };
    // A station-wide maximum of 16 A, and a default per transaction of 10 A after 60 s.
    auto r = co_await set(0, R"({"chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose":
        "ChargePointMaxProfile", "chargingProfileKind": "Absolute", "chargingSchedule": {"chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}})");
    CHECK(r["status"] == "Accepted");
    r = co_await set(1, R"({"chargingProfileId": 2, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative", "chargingSchedule": {"chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 20}, {"startPeriod": 60, "limit": 10}]}})");
    CHECK(r["status"] == "Accepted");
    // Refused: a maximum on a connector, a TxProfile without a transaction, periods not from 0.
    r = co_await set(1, R"({"chargingProfileId": 3, "stackLevel": 0, "chargingProfilePurpose":
        "ChargePointMaxProfile", "chargingProfileKind": "Absolute", "chargingSchedule": {"chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}})");
    CHECK(r["status"] == "Rejected");
    r = co_await set(1, R"({"chargingProfileId": 4, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative", "chargingSchedule": {"chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6}]}})");
    CHECK(r["status"] == "Rejected");
    r = co_await set(1, R"({"chargingProfileId": 5, "stackLevel": 2, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative", "chargingSchedule": {"chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 10, "limit": 6}]}})");
    CHECK(r["status"] == "Rejected");
    CHECK(cp.charging_profiles().size() == 2);
    auto malformed = co_await set(1, R"({"chargingProfileId": 6, "stackLevel": 0})");
    CHECK(malformed["error"] == "FormationViolation");

    auto c = co_await cs.call("GetCompositeSchedule", j(R"({"connectorId": 1, "duration": 120})"));
    CHECK(c["status"] == "Accepted");
    CHECK(c["chargingSchedule"]["chargingRateUnit"] == "A");
    const Json periods = c["chargingSchedule"]["chargingSchedulePeriod"];
    REQUIRE(periods.size() == 2);
    CHECK(periods[0]["startPeriod"] == 0);
    CHECK(periods[0]["limit"] == 16.0);  // min(16 station, 20 default)
    CHECK(periods[1]["startPeriod"] == 60);
    CHECK(periods[1]["limit"] == 10.0);
    auto w = co_await cs.call("GetCompositeSchedule", j(R"({"connectorId": 0, "duration": 30, "chargingRateUnit": "W"})"));
    CHECK(w["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 11040.0);  // 16 A x 230 V x 3
    auto bad = co_await cs.call("GetCompositeSchedule", j(R"({"connectorId": 7, "duration": 30})"));
    CHECK(bad["status"] == "Rejected");

    // A TxProfile with the transaction, gone with it.
    const auto tx = co_await cp.start_transaction(1, "TAG", 0);
    r = co_await set(1, R"({"chargingProfileId": 4, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative", "chargingSchedule": {"chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6}]}})");
    CHECK(r["status"] == "Accepted");
    c = co_await cs.call("GetCompositeSchedule", j(R"({"connectorId": 1, "duration": 10})"));
    CHECK(c["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 6.0);
    co_await cp.stop_transaction(tx, 10);
    CHECK(cp.charging_profiles().size() == 2);

    // Clear: by purpose, then nothing is left to match.
    CHECK((co_await cs.call("ClearChargingProfile", j(R"({"chargingProfilePurpose": "TxDefaultProfile"})")))["status"] ==
          "Accepted");
    CHECK((co_await cs.call("ClearChargingProfile", j(R"({"id": 2})")))["status"] == "Unknown");
    CHECK((co_await cs.call("ClearChargingProfile", j(R"({"id": 1})")))["status"] == "Accepted");
    CHECK((co_await cs.call("ClearChargingProfile", Json::object()))["status"] == "Unknown");
    c = co_await cs.call("GetCompositeSchedule", j(R"({"connectorId": 1, "duration": 10})"));
    CHECK(c["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 32.0);  // the hardware's own limit
    co_await cp.close();
  }());
}

TEST_CASE("station profiles: core answers - reboot-only keys, scheduled availability, profiles switched off") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    auto o = options_for(cs);
    o.feature_profiles = {"Core", "RemoteTrigger"};
    ChargePoint cp(io.get_executor(), o);
    co_await cp.connect();
    co_await cp.boot();
    CHECK(cp.config("SupportedFeatureProfiles") == "Core,RemoteTrigger");
    auto r = co_await cs.call("ChangeConfiguration", j(R"({"key": "WebSocketPingInterval", "value": "30"})"));
    CHECK(r["status"] == "RebootRequired");
    r = co_await cs.call("ChangeConfiguration", j(R"({"key": "LocalPreAuthorize", "value": "maybe"})"));
    CHECK(r["status"] == "Rejected");
    r = co_await cs.call("ChangeConfiguration", j(R"({"key": "MeterValuesSampledData", "value": "Voltage,Nope"})"));
    CHECK(r["status"] == "Rejected");
    r = co_await cs.call("ChangeConfiguration", j(R"({"key": "NoSuchKey", "value": "1"})"));
    CHECK(r["status"] == "NotSupported");
    for (const auto& action : switched_off()) {
      auto e = co_await cs.call(action, Json::object());
      CHECK(e["error"] == "NotImplemented");
    }
    // Inoperative while charging: Scheduled, and Unavailable once the transaction ends.
    const auto tx = co_await cp.start_transaction(1, "TAG", 0);
    r = co_await cs.call("ChangeAvailability", j(R"({"connectorId": 1, "type": "Inoperative"})"));
    CHECK(r["status"] == "Scheduled");
    const auto before = cs.count("StatusNotification");
    r = co_await cs.call("RemoteStopTransaction", tx_payload(tx));
    CHECK(r["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("StatusNotification", before + 1, 5000));
    CHECK(received(cs, "StatusNotification").back()["status"] == "Unavailable");
    // Hard reset: StopTransaction HardReset, reconnect, boot; the connector stays Unavailable.
    const auto tx2 = co_await cp.start_transaction(2, "TAG", 0);
    r = co_await cs.call("Reset", j(R"({"type": "Hard"})"));
    CHECK(r["status"] == "Accepted");
    CHECK_AWAITED(cs.wait_for("BootNotification", 2, 10000));
    CHECK(received(cs, "StopTransaction").back()["transactionId"] == tx2);
    CHECK(received(cs, "StopTransaction").back()["reason"] == "HardReset");
    co_await cp.wait_for_call("Nothing", 1, 1s);  // let the reboot's notifications go out
    CHECK(cp.connector_status(1) == "Unavailable");
    CHECK(cp.connector_status(2) == "Available");
    co_await cp.close();
  }());
}

TEST_CASE("station profiles: closed by its owner while a Reset reconnects, the station stays closed") {
  asio::io_context io;
  FakeCentralSystem cs(io);
  evp::testing::run(io, [&]() -> asio::awaitable<void> {
    ChargePoint cp(io.get_executor(), options_for(cs));
    co_await cp.connect();
    co_await cp.boot();
    auto r = co_await cs.call("Reset", j(R"({"type": "Soft"})"));
    CHECK(r["status"] == "Accepted");
    // The simulator's owner (a scenario told to stop, say) closes before the reboot is done:
    // the Reset must not open a connection afterwards that nobody would close.
    co_await cp.close();
    co_await sleep_for(1500ms);
    CHECK_FALSE(cp.connected());
    CHECK(cs.count("BootNotification") == 1);
  }());
}
