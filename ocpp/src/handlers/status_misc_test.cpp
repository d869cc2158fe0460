// StatusNotification (connectors, charging_error), DataTransfer, Diagnostics/Firmware status.
#include "handlers/test_fixture.hpp"
#include "ocpp/messages/core.hpp"

using namespace evp::ocpp::handlers::testing;

namespace {
json status(int connector, const std::string& error, const std::string& st, const std::string& ts) {
  return {{"connectorId", connector}, {"errorCode", error},       {"status", st},
          {"timestamp", ts},          {"vendorErrorCode", "E42"}, {"info", "door"}};
}
}  // namespace

TEST_CASE("StatusNotification upserts the connector and ignores older notifications") {
  Fixture f;
  f.call("StatusNotification", status(1, "NoError", "Available", "2026-11-26T10:00:00Z"));
  CHECK(f.q("SELECT status || ' ' || error_code || ' ' || info || ' ' || vendor_error_code FROM connectors "
            "WHERE station_id = 'CP-1' AND connector_id = 1") == "Available NoError door E42");
  f.call("StatusNotification", status(1, "NoError", "Charging", "2026-11-26T10:05:00Z"));
  f.call("StatusNotification", status(1, "NoError", "Preparing", "2026-11-26T10:01:00Z"));  // late arrival
  CHECK(f.q("SELECT status FROM connectors WHERE connector_id = 1") == "Charging");
  f.call("StatusNotification", {{"connectorId", 0}, {"errorCode", "NoError"}, {"status", "Available"}});
  CHECK(f.count("SELECT count(*) FROM connectors") == 2);
  CHECK(f.count("SELECT count(*) FROM push_outbox") == 0);
}

TEST_CASE("a fault on a connector with an active session notifies its driver once") {
  Fixture f;
  f.call("StatusNotification", status(1, "GroundFailure", "Faulted", "2026-11-26T09:00:00Z"));
  CHECK(f.outbox("charging_error") == 0);  // no session there
  f.call("StatusNotification", status(1, "NoError", "Available", "2026-11-26T09:30:00Z"));

  int tx = f.start("TAG1", 1)["transactionId"];
  std::string session = f.q("SELECT id FROM charging_sessions WHERE transaction_id = " + std::to_string(tx));
  f.call("StatusNotification", status(1, "GroundFailure", "Faulted", "2026-11-26T10:10:00Z"));
  REQUIRE(f.outbox("charging_error") == 1);
  auto p = json::parse(f.q("SELECT payload FROM push_outbox WHERE event_type = 'charging_error'"));
  CHECK(p["title"] == "Ошибка зарядки");
  CHECK(p["body"] == "Станция Бишкек Парк, коннектор 1: GroundFailure");
  CHECK(p["data"] == json{{"type", "charging_error"},
                          {"session_id", session},
                          {"station_id", "CP-1"},
                          {"connector_id", 1},
                          {"error_code", "GroundFailure"},
                          {"vendor_error_code", "E42"}});
  CHECK(f.q("SELECT urgency || ' ' || user_id FROM push_outbox WHERE event_type = 'charging_error'") ==
        std::string("high ") + kClient);

  // The station repeats the same fault: no second notification. A different fault: one more.
  f.call("StatusNotification", status(1, "GroundFailure", "Faulted", "2026-11-26T10:11:00Z"));
  CHECK(f.outbox("charging_error") == 1);
  f.call("StatusNotification", status(1, "OverVoltage", "Faulted", "2026-11-26T10:12:00Z"));
  CHECK(f.outbox("charging_error") == 2);
  // A fault of another connector does not concern this session; connector 0 (the whole station) does.
  f.call("StatusNotification", status(2, "HighTemperature", "Faulted", "2026-11-26T10:13:00Z"));
  CHECK(f.outbox("charging_error") == 2);
  f.call("StatusNotification", status(0, "PowerMeterFailure", "Faulted", "2026-11-26T10:14:00Z"));
  CHECK(f.outbox("charging_error") == 3);
}

TEST_CASE("DataTransfer: unknown vendor recorded, registered vendor handled") {
  Fixture f;
  auto conf = f.call("DataTransfer", {{"vendorId", "com.other"}, {"messageId", "Hello"}, {"data", "x"}});
  CHECK(conf == json{{"status", "UnknownVendorId"}});
  CHECK(f.q("SELECT detail->>'vendorId' FROM station_events WHERE kind = 'data_transfer_unknown_vendor'") ==
        "com.other");

  f.options.data_transfer["kg.evpower"] =
      [](const std::string& station,
         const evp::ocpp::DataTransferReq& req) -> boost::asio::awaitable<evp::ocpp::DataTransferConf> {
    co_return evp::ocpp::DataTransferConf{.status = evp::ocpp::DataTransferStatus::Accepted,
                                          .data = station + ":" + req.data.value_or("")};
  };
  f.rebuild();
  CHECK(f.call("DataTransfer", {{"vendorId", "kg.evpower"}, {"data", "ping"}}) ==
        json{{"status", "Accepted"}, {"data", "CP-1:ping"}});
}

TEST_CASE("Diagnostics and firmware status notifications are recorded") {
  Fixture f;
  CHECK(f.call("DiagnosticsStatusNotification", {{"status", "Uploaded"}}) == json::object());
  CHECK(f.call("FirmwareStatusNotification", {{"status", "Installing"}}) == json::object());
  CHECK(f.q("SELECT string_agg(kind || ':' || (detail->>'status'), ',' ORDER BY id) FROM station_events") ==
        "diagnostics_status:Uploaded,firmware_status:Installing");
  CHECK(f.q("SELECT firmware_status FROM stations WHERE id = 'CP-1'") == "Installing");
  CHECK(f.error_of("FirmwareStatusNotification", {{"status", "Exploded"}}) == "PropertyConstraintViolation");
}

TEST_CASE("a StatusNotification that raises nothing costs no round trip; its row follows in a batch") {
  Fixture f;
  // The first one of a connector goes to the database: the loop learns what it held.
  f.call("StatusNotification", status(1, "NoError", "Available", "2026-11-26T10:00:00Z"));
  f.call("StatusNotification", status(2, "NoError", "Available", "2026-11-26T10:00:00Z"));
  const auto before = f.pool.stats().queries;
  f.call_unflushed("StatusNotification", status(1, "NoError", "Preparing", "2026-11-26T10:01:00Z"));
  f.call_unflushed("StatusNotification", status(1, "NoError", "Charging", "2026-11-26T10:02:00Z"));
  f.call_unflushed("StatusNotification", status(2, "NoError", "Unavailable", "2026-11-26T10:02:00Z"));
  f.call_unflushed("StatusNotification", status(2, "NoError", "Preparing", "2026-11-26T10:01:30Z"));  // late: dropped
  CHECK(f.pool.stats().queries == before);  // answered from memory
  CHECK(f.q("SELECT status FROM connectors WHERE connector_id = 1") == "Available");
  // The next flush writes both connectors in one statement.
  run(f.io, f.dispatcher->flush());
  CHECK(f.pool.stats().queries == before + 1);
  CHECK(f.q("SELECT string_agg(connector_id || ' ' || status, ', ' ORDER BY connector_id) FROM connectors") ==
        "1 Charging, 2 Unavailable");
  // A new fault is written (with its event) before the answer, a repeated one is not.
  f.call_unflushed("StatusNotification", status(1, "GroundFailure", "Faulted", "2026-11-26T10:03:00Z"));
  CHECK(f.q("SELECT error_code FROM connectors WHERE connector_id = 1") == "GroundFailure");
  const auto after_fault = f.pool.stats().queries;
  f.call_unflushed("StatusNotification", status(1, "GroundFailure", "Faulted", "2026-11-26T10:04:00Z"));
  CHECK(f.pool.stats().queries == after_fault);
}

TEST_CASE("a connector that becomes Available is written before the answer") {
  Fixture f;
  f.call("StatusNotification", status(1, "NoError", "Charging", "2026-11-26T10:00:00Z"));
  // A station rebooted mid-session reports the connector Available: the lost transaction
  // must stop holding the connector before the next start arrives.
  f.call_unflushed("StatusNotification", status(1, "NoError", "Available", "2026-11-26T10:01:00Z"));
  CHECK(f.q("SELECT status FROM connectors WHERE connector_id = 1") == "Available");
  const auto before = f.pool.stats().queries;
  f.call_unflushed("StatusNotification", status(1, "NoError", "Available", "2026-11-26T10:02:00Z"));  // repeated
  CHECK(f.pool.stats().queries == before);
}
