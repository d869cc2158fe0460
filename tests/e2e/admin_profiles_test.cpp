// Every central-system command of the six OCPP 1.6 profiles through the management API, as
// an operator sends it: the simulated station's typed answer comes back, and what the
// station does about it is seen from the server (status notifications stored, firmware and
// diagnostics progress, the reconnect after Reset, the triggered messages, the reservation
// used by StartTransaction, the Local Authorization List version) - and every command is in
// the audit log.
#include <doctest/doctest.h>

#include "common/time.hpp"
#include "driver_steps.hpp"
#include "stack.hpp"

using namespace evp::e2e;
using namespace std::chrono_literals;

namespace {

constexpr const char* kStation = "PRF-1";

std::string in_seconds(int s) { return evp::common::format_datetime(evp::common::now() + std::chrono::seconds(s)); }

}  // namespace

TEST_CASE("management API: every command of the six profiles reaches the station and has its effect") {
  StackOptions o;
  o.push = false;
  Stack s(o);
  INFO(s.logs());
  const auto owner = s.add_owner("Owner");
  const auto location = s.add_location(owner, "Профили");
  s.add_station(kStation, "Профили", "10.00", location);
  s.add_station("PRF-2", "Пустая", "10.00", location);  // never connects
  const auto driver = s.add_client("Driver", "1000.00");
  const auto op = random_uuid();
  REQUIRE(s.cli({"operator", "add", op}).first == 0);
  const auto op_token = s.token(op);
  const std::string base = std::string("/api/v1/admin/stations/") + kStation;

  auto put_tag = [&](const std::string& tag, const Json& body) {
    auto r = s.put("/api/v1/admin/idtags/" + tag, body, op_token);
    INFO(r.body);
    REQUIRE(r.status == 200);
  };
  put_tag("CARD-A", Json{{"client_id", driver}});
  put_tag("CARD-B", Json{{"client_id", driver}, {"status", "Blocked"}});

  auto options = station_options(s, kStation);
  options.auto_meter_values = false;
  options.firmware_step = 100ms;
  options.diagnostics_step = 100ms;
  auto cp = std::make_unique<evp::sim::ChargePoint>(s.loop().executor(), options);
  s.loop().run([&]() -> boost::asio::awaitable<void> {
    co_await cp->connect();
    co_await cp->boot();
    for (int c = 0; c <= 2; ++c) co_await cp->status(c, "Available");
  }());

  int calls = 0;  // commands sent, each one an audit row
  // The station's answer to `action` (the API's data.response); the call must succeed.
  auto call = [&](const std::string& action, const Json& payload) {
    auto r = s.post(base + "/calls/" + action, payload, op_token);
    INFO(action, " ", payload.dump(), " -> ", r.body);
    REQUIRE(r.status == 200);
    ++calls;
    return r.json()["data"]["response"];
  };
  auto connector = [&](int c) {
    return s.db().scalar("SELECT status FROM connectors WHERE station_id = '" + std::string(kStation) +
                         "' AND connector_id = " + std::to_string(c));
  };
  auto events = [&](const std::string& kind) {
    return s.db().scalar("SELECT coalesce(string_agg(detail->>'status', ',' ORDER BY id), '') FROM station_events "
                         "WHERE station_id = '" + std::string(kStation) + "' AND kind = '" + kind + "'");
  };
  // A CALL of `action` the server received from the station after the last frame it sent
  // that contains `after`.
  auto received_after = [&](const std::string& after, const std::string& action) {
    const Json frames = s.get(base + "/frames", op_token).json()["data"];
    bool seen = false, got = false;
    for (const auto& f : frames) {
      const std::string text = f.value("frame", "");
      if (f.value("direction", "") == "sent" && text.find(after) != std::string::npos) {
        seen = true;
        got = false;
      }
      if (seen && f.value("direction", "") == "received" && text.rfind("[2,", 0) == 0 &&
          text.find("\"" + action + "\"") != std::string::npos)
        got = true;
    }
    return got;
  };
  REQUIRE(wait_until([&] { return connector(2) == "Available"; }));

  SUBCASE("Core") {
    // GetConfiguration: every key, or the listed ones and the unknown ones.
    Json conf = call("GetConfiguration", Json::object());
    std::string profiles;
    for (const auto& k : conf["configurationKey"])
      if (k.value("key", "") == "SupportedFeatureProfiles") profiles = k.value("value", "");
    CHECK(profiles == "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger");
    conf = call("GetConfiguration", Json{{"key", Json::array({"HeartbeatInterval", "NoSuchKey"})}});
    CHECK(conf["configurationKey"].size() == 1);
    CHECK(conf["unknownKey"] == Json::array({"NoSuchKey"}));
    // ChangeConfiguration: each of its four answers.
    CHECK(call("ChangeConfiguration", Json{{"key", "MeterValueSampleInterval"}, {"value", "30"}})["status"] ==
          "Accepted");
    CHECK(cp->config("MeterValueSampleInterval") == "30");
    CHECK(call("ChangeConfiguration", Json{{"key", "NumberOfConnectors"}, {"value", "8"}})["status"] == "Rejected");
    CHECK(call("ChangeConfiguration", Json{{"key", "HeartbeatInterval"}, {"value", "often"}})["status"] == "Rejected");
    CHECK(call("ChangeConfiguration", Json{{"key", "NoSuchKey"}, {"value", "1"}})["status"] == "NotSupported");
    CHECK(call("ChangeConfiguration", Json{{"key", "WebSocketPingInterval"}, {"value", "60"}})["status"] ==
          "RebootRequired");
    CHECK(call("ClearCache", Json::object())["status"] == "Accepted");
    CHECK(call("DataTransfer", Json{{"vendorId", "Other"}, {"data", "x"}})["status"] == "UnknownVendorId");
    CHECK(call("DataTransfer", Json{{"vendorId", "EvPower"}, {"data", "ping"}}) ==
          Json{{"status", "Accepted"}, {"data", "ping"}});

    // ChangeAvailability: the connector's status on the server follows.
    CHECK(call("ChangeAvailability", Json{{"connectorId", 2}, {"type", "Inoperative"}})["status"] == "Accepted");
    CHECK(wait_until([&] { return connector(2) == "Unavailable"; }));
    CHECK(call("ChangeAvailability", Json{{"connectorId", 2}, {"type", "Operative"}})["status"] == "Accepted");
    CHECK(wait_until([&] { return connector(2) == "Available"; }));

    // RemoteStart: a transaction and Charging on the server.
    CHECK(call("RemoteStartTransaction", Json{{"idTag", "CARD-A"}, {"connectorId", 1}})["status"] == "Accepted");
    CHECK(wait_until([&] { return connector(1) == "Charging"; }));
    const std::string tx = s.db().scalar("SELECT id FROM transactions WHERE station_id = 'PRF-1' AND stop_timestamp "
                                         "IS NULL AND connector_id = 1");
    REQUIRE_FALSE(tx.empty());
    CHECK(call("RemoteStartTransaction", Json{{"idTag", "CARD-A"}, {"connectorId", 1}})["status"] == "Rejected");
    // Inoperative while charging: Scheduled, applied when the transaction ends.
    CHECK(call("ChangeAvailability", Json{{"connectorId", 1}, {"type", "Inoperative"}})["status"] == "Scheduled");
    CHECK(connector(1) == "Charging");
    CHECK(call("RemoteStopTransaction", Json{{"transactionId", 999999}})["status"] == "Rejected");
    CHECK(call("RemoteStopTransaction", Json{{"transactionId", std::stoll(tx)}})["status"] == "Accepted");
    CHECK(wait_until([&] { return connector(1) == "Unavailable"; }));
    CHECK(s.db().scalar("SELECT stop_reason FROM transactions WHERE id = " + tx) == "Remote");
    CHECK(call("ChangeAvailability", Json{{"connectorId", 1}, {"type", "Operative"}})["status"] == "Accepted");
    CHECK(wait_until([&] { return connector(1) == "Available"; }));

    // UnlockConnector: stops what runs there.
    const auto tx2 = s.loop().run(cp->start_transaction(2, "CARD-A", 0));
    CHECK(call("UnlockConnector", Json{{"connectorId", 2}})["status"] == "Unlocked");
    CHECK(wait_until([&] {
      return s.db().scalar("SELECT stop_reason FROM transactions WHERE id = " + std::to_string(tx2)) ==
             "UnlockCommand";
    }));
    CHECK(call("UnlockConnector", Json{{"connectorId", 3}})["status"] == "NotSupported");

    // Reset: StopTransaction with the reset's reason, a new connection and a new boot.
    const auto tx3 = s.loop().run(cp->start_transaction(1, "CARD-A", 0));
    const std::string boot_before = s.db().scalar("SELECT last_boot_at FROM stations WHERE id = 'PRF-1'");
    CHECK(call("Reset", Json{{"type", "Hard"}})["status"] == "Accepted");
    CHECK(wait_until([&] {
      return s.db().scalar("SELECT stop_reason FROM transactions WHERE id = " + std::to_string(tx3)) == "HardReset";
    }));
    CHECK(wait_until([&] {
      return s.db().scalar("SELECT last_boot_at FROM stations WHERE id = 'PRF-1'") != boot_before;
    }));
    CHECK(wait_until([&] { return connector(1) == "Available" && cp->connected(); }));
    CHECK(cp->metrics().connects == 2);
    const std::string boot_hard = s.db().scalar("SELECT last_boot_at FROM stations WHERE id = 'PRF-1'");
    CHECK(call("Reset", Json{{"type", "Soft"}})["status"] == "Accepted");
    CHECK(wait_until([&] {
      return s.db().scalar("SELECT last_boot_at FROM stations WHERE id = 'PRF-1'") != boot_hard;
    }));
    CHECK(wait_until([&] { return cp->metrics().connects == 3 && cp->connected(); }));
  }

  SUBCASE("Firmware Management and Remote Trigger") {
    CHECK(call("UpdateFirmware", Json{{"location", "https://firmware.example/evp-2.0.bin"},
                                      {"retrieveDate", in_seconds(0)}}) == Json::object());
    CHECK(wait_until([&] { return events("firmware_status") == "Downloading,Downloaded,Installing,Installed"; }));
    CHECK(s.db().scalar("SELECT firmware_status FROM stations WHERE id = 'PRF-1'") == "Installed");
    const Json diag = call("GetDiagnostics", Json{{"location", "ftp://logs.example/upload"}});
    CHECK(diag.value("fileName", "").rfind("PRF-1-", 0) == 0);
    CHECK(wait_until([&] { return events("diagnostics_status") == "Uploading,Uploaded"; }));

    // TriggerMessage: Accepted, then the station sends what was asked for.
    const std::string boot_before = s.db().scalar("SELECT last_boot_at FROM stations WHERE id = 'PRF-1'");
    for (const std::string requested : {"BootNotification", "DiagnosticsStatusNotification",
                                        "FirmwareStatusNotification", "Heartbeat", "MeterValues",
                                        "StatusNotification"}) {
      CAPTURE(requested);
      CHECK(call("TriggerMessage", Json{{"requestedMessage", requested}, {"connectorId", 1}})["status"] == "Accepted");
      CHECK(wait_until([&] { return received_after("\"TriggerMessage\"", requested); }));
    }
    // What a boot tells is written behind (OCPP_CONNECTOR_FLUSH_MS): the triggered boot's time
    // arrives with the next batch.
    CHECK(wait_until([&] { return s.db().scalar("SELECT last_boot_at FROM stations WHERE id = 'PRF-1'") != boot_before; }));
    // Nothing in progress: both report Idle.
    CHECK(events("firmware_status") == "Downloading,Downloaded,Installing,Installed,Idle");
    CHECK(events("diagnostics_status") == "Uploading,Uploaded,Idle");
    CHECK(call("TriggerMessage", Json{{"requestedMessage", "StatusNotification"}, {"connectorId", 7}})["status"] ==
          "Rejected");
  }

  SUBCASE("Reservation and Smart Charging") {
    CHECK(call("ReserveNow", Json{{"connectorId", 2},
                                  {"expiryDate", in_seconds(600)},
                                  {"idTag", "CARD-A"},
                                  {"reservationId", 501}})["status"] == "Accepted");
    CHECK(wait_until([&] { return connector(2) == "Reserved"; }));
    CHECK(call("ReserveNow", Json{{"connectorId", 2},
                                  {"expiryDate", in_seconds(600)},
                                  {"idTag", "CARD-B"},
                                  {"reservationId", 502}})["status"] == "Occupied");
    CHECK(call("ReserveNow", Json{{"connectorId", 0},
                                  {"expiryDate", in_seconds(600)},
                                  {"idTag", "CARD-B"},
                                  {"reservationId", 503}})["status"] == "Rejected");
    CHECK(call("CancelReservation", Json{{"reservationId", 501}})["status"] == "Accepted");
    CHECK(wait_until([&] { return connector(2) == "Available"; }));
    CHECK(call("CancelReservation", Json{{"reservationId", 501}})["status"] == "Rejected");
    // A reservation the tag then uses: StartTransaction carries its id.
    CHECK(call("ReserveNow", Json{{"connectorId", 2},
                                  {"expiryDate", in_seconds(600)},
                                  {"idTag", "CARD-A"},
                                  {"reservationId", 504}})["status"] == "Accepted");
    CHECK(wait_until([&] { return connector(2) == "Reserved"; }));
    const auto tx = s.loop().run(cp->start_transaction(2, "CARD-A", 0));
    CHECK(s.db().scalar("SELECT reservation_id FROM transactions WHERE id = " + std::to_string(tx)) == "504");
    CHECK(call("ReserveNow", Json{{"connectorId", 2},
                                  {"expiryDate", in_seconds(600)},
                                  {"idTag", "CARD-B"},
                                  {"reservationId", 505}})["status"] == "Occupied");
    // An expiring one: the station frees the connector by itself.
    CHECK(call("ReserveNow", Json{{"connectorId", 1},
                                  {"expiryDate", in_seconds(2)},
                                  {"idTag", "CARD-B"},
                                  {"reservationId", 506}})["status"] == "Accepted");
    CHECK(wait_until([&] { return connector(1) == "Reserved"; }));
    CHECK(wait_until([&] { return connector(1) == "Available"; }));

    // Charging profiles: a station maximum, a profile for the running transaction.
    const Json max16 = Json::parse(R"({"connectorId": 0, "csChargingProfiles": {"chargingProfileId": 1,
        "stackLevel": 0, "chargingProfilePurpose": "ChargePointMaxProfile", "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}}})");
    CHECK(call("SetChargingProfile", max16)["status"] == "Accepted");
    Json tx8 = Json::parse(R"({"connectorId": 2, "csChargingProfiles": {"chargingProfileId": 2,
        "stackLevel": 1, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 8}]}}})");
    tx8["csChargingProfiles"]["transactionId"] = tx;
    CHECK(call("SetChargingProfile", tx8)["status"] == "Accepted");
    Json on_idle = tx8;
    on_idle["connectorId"] = 1;  // no transaction there
    CHECK(call("SetChargingProfile", on_idle)["status"] == "Rejected");
    Json composite = call("GetCompositeSchedule", Json{{"connectorId", 2}, {"duration", 300}});
    CHECK(composite["status"] == "Accepted");
    CHECK(composite["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 8.0);
    composite = call("GetCompositeSchedule", Json{{"connectorId", 1}, {"duration", 300}, {"chargingRateUnit", "W"}});
    CHECK(composite["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 11040.0);
    CHECK(call("GetCompositeSchedule", Json{{"connectorId", 9}, {"duration", 300}})["status"] == "Rejected");
    CHECK(call("ClearChargingProfile", Json{{"id", 1}})["status"] == "Accepted");
    CHECK(call("ClearChargingProfile", Json{{"id", 1}})["status"] == "Unknown");
    CHECK(call("ClearChargingProfile", Json{{"chargingProfilePurpose", "TxProfile"}})["status"] == "Accepted");
    CHECK(cp->charging_profiles().empty());
    s.loop().run(cp->stop_transaction(tx, 500));
  }

  SUBCASE("Local Auth List from the id tags") {
    const std::string list_url = base + "/local-list";
    auto state = [&] {
      auto r = s.get(list_url, op_token);
      REQUIRE(r.status == 200);
      return r.json()["data"];
    };
    const auto tags = std::stoi(s.db().scalar("SELECT count(*) FROM id_tags"));
    CHECK(tags >= 2);
    CHECK(state()["version"] == 0);
    CHECK(state()["pending_changes"] == tags);
    CHECK(call("GetLocalListVersion", Json::object())["listVersion"] == 0);
    // Nothing to build a difference on yet.
    auto r = s.post(list_url, Json{{"update", "Differential"}}, op_token);
    CHECK(r.status == 409);
    CHECK(error_code(r) == "no_accepted_list");
    CHECK(s.post(list_url, Json{{"update", "Sometimes"}}, op_token).status == 400);

    r = s.post(list_url, Json{{"update", "Full"}}, op_token);
    INFO(r.body);
    REQUIRE(r.status == 200);
    ++calls;
    CHECK(r.json()["data"]["status"] == "Accepted");
    CHECK(r.json()["data"]["list_version"] == 1);
    CHECK(r.json()["data"]["entries_sent"] == tags);
    CHECK(cp->local_list_version() == 1);
    CHECK(cp->local_list().at("CARD-B")["status"] == "Blocked");
    CHECK(state()["version"] == 1);
    CHECK(state()["pending_changes"] == 0);
    CHECK(call("GetLocalListVersion", Json::object())["listVersion"] == 1);

    // Changes to the cards: only they go in the differential update.
    put_tag("CARD-A", Json{{"status", "Blocked"}});
    put_tag("CARD-C", Json{{"client_id", driver}, {"expiry_date", "2099-01-01T00:00:00Z"}, {"parent_id_tag", "FLEET"}});
    CHECK(state()["pending_changes"] == 2);
    r = s.post(list_url, Json{{"update", "Differential"}}, op_token);
    INFO(r.body);
    REQUIRE(r.status == 200);
    ++calls;
    CHECK(r.json()["data"]["status"] == "Accepted");
    CHECK(r.json()["data"]["list_version"] == 2);
    CHECK(r.json()["data"]["entries_sent"] == 2);
    const auto list = cp->local_list();
    CHECK(static_cast<int>(list.size()) == tags + 1);
    CHECK(list.at("CARD-A")["status"] == "Blocked");
    CHECK(list.at("CARD-C") ==
          Json{{"status", "Accepted"}, {"expiryDate", "2099-01-01T00:00:00.000Z"}, {"parentIdTag", "FLEET"}});
    CHECK(call("GetLocalListVersion", Json::object())["listVersion"] == 2);
    CHECK(state()["last_update_type"] == "Differential");
    // The audit log holds the SendLocalList as it went out.
    const Json sent = s.get("/api/v1/admin/audit?limit=2&station=PRF-1", op_token).json()["data"];
    REQUIRE(sent.size() == 2);
    CHECK(sent[1].value("action", "") == "SendLocalList");
    CHECK(sent[1]["request"]["listVersion"] == 2);
    CHECK(sent[1]["request"]["updateType"] == "Differential");
    CHECK(sent[1]["request"]["localAuthorizationList"].size() == 2);
    CHECK(sent[1]["response"] == Json{{"status", "Accepted"}});

    // A differential the station cannot apply (its version is not newer): VersionMismatch.
    CHECK(call("SendLocalList", Json{{"listVersion", 2}, {"updateType", "Differential"}})["status"] ==
          "VersionMismatch");

    // Offline, the station decides from the list.
    s.loop().run(cp->close());
    CHECK(s.loop().run(cp->authorize("card-a"))["idTagInfo"]["status"] == "Blocked");
    CHECK(s.loop().run(cp->authorize("CARD-C"))["idTagInfo"]["status"] == "Accepted");
    CHECK(s.loop().run(cp->authorize("NOBODY"))["idTagInfo"]["status"] == "Invalid");
    r = s.post(list_url, Json{{"update", "Full"}}, op_token);
    ++calls;
    CHECK(r.status == 409);
    CHECK(error_code(r) == "station_offline");
    CHECK(state()["version"] == 2);  // what the station holds
    CHECK(state()["last_status"] == "offline");
    CHECK(state()["last_version_sent"] == 3);
    CHECK(s.get("/api/v1/admin/stations/NOPE/local-list", op_token).status == 404);
    CHECK(s.get(list_url, s.token(driver)).status == 403);
  }

  // Every command sent is in the log, answered (the offline local list excepted).
  const Json log = s.get("/api/v1/admin/audit?limit=500&station=PRF-1", op_token).json()["data"];
  INFO(log.dump(1));
  CHECK(static_cast<int>(log.size()) == calls);
  int answered = 0;
  for (const auto& row : log) {
    answered += row.value("outcome", "") == "answered";
    CHECK(row.value("operator_id", "") == op);
    CHECK_FALSE(row["completed_at"].is_null());
  }
  CHECK(answered >= calls - 1);

  s.loop().run([&]() -> boost::asio::awaitable<void> {
    if (cp->connected()) co_await cp->close();
    cp.reset();
  }());
}
