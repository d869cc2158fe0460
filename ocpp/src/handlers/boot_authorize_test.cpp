// BootNotification, Heartbeat, Authorize, the Pending gate and CALLERROR codes.
#include "handlers/test_fixture.hpp"

using namespace evp::ocpp::handlers::testing;
using evp::ocpp::AutoRegister;

namespace {
const json kBoot = {{"chargePointVendor", "EvVendor"},
                    {"chargePointModel", "Fast-50"},
                    {"chargePointSerialNumber", "SN-1"},
                    {"firmwareVersion", "1.2.3"},
                    {"iccid", "8999"},
                    {"imsi", "43701"},
                    {"meterType", "DZG"},
                    {"meterSerialNumber", "M-9"}};
}

TEST_CASE("BootNotification Accepted stores the station's details and tells the heartbeat interval") {
  Fixture f;
  auto conf = f.call("BootNotification", kBoot);
  CHECK(conf["status"] == "Accepted");
  CHECK(conf["interval"] == 300);
  REQUIRE(conf["currentTime"].is_string());
  CHECK(evp::common::parse_datetime(conf["currentTime"].get<std::string>()).has_value());
  CHECK(f.q("SELECT vendor || '/' || model || '/' || serial_number || '/' || firmware_version || '/' || iccid || '/' "
            "|| imsi || '/' || meter_type || '/' || meter_serial_number FROM stations WHERE id = 'CP-1'") ==
        "EvVendor/Fast-50/SN-1/1.2.3/8999/43701/DZG/M-9");
  CHECK(f.q("SELECT last_boot_at > now() - interval '1 minute' FROM stations WHERE id = 'CP-1'") == "t");
  CHECK(f.station.accepted);
}

TEST_CASE("a Pending station may only send what TriggerMessage could have asked for") {
  Fixture f;
  f.options.boot_retry_interval = std::chrono::seconds(42);
  f.rebuild();
  f.tdb.exec("UPDATE stations SET registration_status = 'Pending' WHERE id = 'CP-1'");
  auto conf = f.call("BootNotification", kBoot);
  CHECK(conf["status"] == "Pending");
  CHECK(conf["interval"] == 42);
  CHECK_FALSE(f.station.accepted);
  CHECK(f.error_of("Authorize", {{"idTag", "TAG1"}}) == "SecurityError");
  CHECK(f.error_of("StartTransaction",
                   {{"connectorId", 1}, {"idTag", "TAG1"}, {"meterStart", 0}, {"timestamp", "2026-11-26T10:00:00Z"}}) ==
        "SecurityError");
  CHECK(f.count("SELECT count(*) FROM transactions") == 0);
  CHECK(f.call("Heartbeat", json::object()).contains("currentTime"));
  CHECK(f.call("StatusNotification", {{"connectorId", 1}, {"errorCode", "NoError"}, {"status", "Available"}}) ==
        json::object());

  // Approved by the operator: the next boot is Accepted and everything is processed.
  f.tdb.exec("UPDATE stations SET registration_status = 'Accepted' WHERE id = 'CP-1'");
  CHECK(f.call("BootNotification", kBoot)["status"] == "Accepted");
  CHECK(f.call("Authorize", {{"idTag", "TAG1"}})["idTagInfo"]["status"] == "Accepted");
}

TEST_CASE("BootNotification of a station without a row: Rejected, or registered when configured") {
  Fixture f;
  f.station.station_id = "CP-NEW";
  CHECK(f.call("BootNotification", kBoot)["status"] == "Rejected");
  CHECK(f.count("SELECT count(*) FROM stations WHERE id = 'CP-NEW'") == 0);

  f.config.auto_register = AutoRegister::Pending;
  f.rebuild();
  auto conf = f.call("BootNotification", kBoot);
  CHECK(conf["status"] == "Pending");
  CHECK(conf["interval"] == 60);
  CHECK(f.q("SELECT registration_status || ' ' || vendor FROM stations WHERE id = 'CP-NEW'") == "Pending EvVendor");
}

TEST_CASE("Heartbeat answers the current time") {
  Fixture f;
  auto conf = f.call("Heartbeat", json::object());
  auto t = evp::common::parse_datetime(conf.at("currentTime").get<std::string>());
  REQUIRE(t.has_value());
  CHECK(std::chrono::abs(*t - evp::common::now()) < std::chrono::minutes(1));
}

TEST_CASE("Authorize maps id tags to OCPP statuses") {
  Fixture f;
  CHECK(f.call("Authorize", {{"idTag", "TAG1"}}) == json{{"idTagInfo", {{"status", "Accepted"}}}});
  CHECK(f.call("Authorize", {{"idTag", "tag1"}})["idTagInfo"]["status"] == "Accepted");  // CiString
  CHECK(f.call("Authorize", {{"idTag", "BLOCKED"}})["idTagInfo"]["status"] == "Blocked");
  CHECK(f.call("Authorize", {{"idTag", "STOREDEXP"}})["idTagInfo"]["status"] == "Expired");
  CHECK(f.call("Authorize", {{"idTag", "OLD"}})["idTagInfo"]["status"] == "Expired");  // expiry passed
  CHECK(f.call("Authorize", {{"idTag", "NOBODY"}})["idTagInfo"] == json{{"status", "Invalid"}});
  CHECK(f.call("Authorize", {{"idTag", "CHILD"}})["idTagInfo"] ==
        json{{"status", "Accepted"}, {"expiryDate", "2031-01-02T03:04:05.000Z"}, {"parentIdTag", "GROUP1"}});

  // A tag already charging somewhere is ConcurrentTx until that transaction stops.
  int tx = f.start("TAG1")["transactionId"];
  CHECK(f.call("Authorize", {{"idTag", "TAG1"}})["idTagInfo"]["status"] == "ConcurrentTx");
  f.stop(tx, 2000);
  CHECK(f.call("Authorize", {{"idTag", "TAG1"}})["idTagInfo"]["status"] == "Accepted");
}

TEST_CASE("invalid payloads and actions get the right CALLERROR codes") {
  Fixture f;
  CHECK(f.error_of("Authorize", json::object()) == "OccurenceConstraintViolation");
  CHECK(f.error_of("Authorize", {{"idTag", 42}}) == "TypeConstraintViolation");
  CHECK(f.error_of("Authorize", {{"idTag", "123456789012345678901"}}) == "PropertyConstraintViolation");
  CHECK(f.error_of("BootNotification", {{"chargePointVendor", "V"}}) == "OccurenceConstraintViolation");
  CHECK(f.error_of("StatusNotification", {{"connectorId", 1}, {"errorCode", "Broken"}, {"status", "Available"}}) ==
        "PropertyConstraintViolation");
  CHECK(f.error_of("StartTransaction",
                   {{"connectorId", 1}, {"idTag", "TAG1"}, {"meterStart", 0}, {"timestamp", "yesterday"}}) ==
        "PropertyConstraintViolation");
  // StartTransaction on connector 0 (the charge point itself) cannot be a transaction.
  CHECK(f.error_of("StartTransaction",
                   {{"connectorId", 0}, {"idTag", "TAG1"}, {"meterStart", 0}, {"timestamp", "2026-11-26T10:00:00Z"}}) ==
        "PropertyConstraintViolation");
  CHECK(f.error_of("FlyToTheMoon", json::object()) == "NotImplemented");
  CHECK(f.error_of("RemoteStartTransaction", {{"idTag", "TAG1"}}) == "NotSupported");
  CHECK(f.count("SELECT count(*) FROM transactions") == 0);
}
