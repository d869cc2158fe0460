// Each validation rule of field_reader.hpp on at least one message, with the described path.
#include <doctest/doctest.h>

#include "ocpp/messages/all.hpp"

using namespace evp::ocpp;
using nlohmann::json;

namespace {

// Validates `payload` as the request of `action`; returns the CallError it raised.
CallError request_error(std::string_view action, const json& payload) {
  try {
    validate_request(action, payload);
  } catch (const CallError& e) {
    return e;
  }
  FAIL("payload was accepted: ", payload.dump());
  return CallError(ErrorCode::GenericError, "");
}

json meter_values() {
  return json::parse(R"({"connectorId": 1, "meterValue": [{"timestamp": "2024-05-01T10:00:00Z",
      "sampledValue": [{"value": "1"}, {"value": "2", "measurand": "Voltage"}]}]})");
}

}  // namespace

TEST_CASE("payload that is not an object -> TypeConstraintViolation") {
  for (const auto& payload : {json::array(), json("x"), json(1), json(nullptr)}) {
    auto e = request_error("Heartbeat", payload);
    CHECK(e.code() == ErrorCode::TypeConstraintViolation);
  }
}

TEST_CASE("missing required field -> OccurenceConstraintViolation naming the field") {
  auto e = request_error("BootNotification", json{{"chargePointVendor", "V"}});
  CHECK(e.code() == ErrorCode::OccurenceConstraintViolation);
  CHECK(e.description() == "chargePointModel: required field is missing");
  CHECK(e.details()["field"] == "chargePointModel");

  auto payload = meter_values();
  payload["meterValue"][0]["sampledValue"][1].erase("value");
  e = request_error("MeterValues", payload);
  CHECK(e.code() == ErrorCode::OccurenceConstraintViolation);
  CHECK(e.description() == "meterValue[0].sampledValue[1].value: required field is missing");
}

TEST_CASE("wrong JSON type -> TypeConstraintViolation") {
  auto e = request_error(
      "StartTransaction",
      json{{"connectorId", "1"}, {"idTag", "T"}, {"meterStart", 0}, {"timestamp", "2024-05-01T10:00:00Z"}});
  CHECK(e.code() == ErrorCode::TypeConstraintViolation);
  CHECK(e.description() == "connectorId: expected an integer");

  e = request_error("Authorize", json{{"idTag", 12345}});
  CHECK(e.code() == ErrorCode::TypeConstraintViolation);

  e = request_error(
      "StartTransaction",
      json{{"connectorId", 1.5}, {"idTag", "T"}, {"meterStart", 0}, {"timestamp", "2024-05-01T10:00:00Z"}});
  CHECK(e.code() == ErrorCode::TypeConstraintViolation);

  e = request_error("StopTransaction",
                    json{{"transactionId", 1}, {"meterStop", 1}, {"timestamp", 20240501}});  // date as a number
  CHECK(e.code() == ErrorCode::TypeConstraintViolation);
  CHECK(e.description() == "timestamp: expected a date-time string");

  auto payload = meter_values();
  payload["meterValue"][0]["sampledValue"] = json::object();
  e = request_error("MeterValues", payload);
  CHECK(e.code() == ErrorCode::TypeConstraintViolation);
  CHECK(e.description() == "meterValue[0].sampledValue: expected an array");

  payload = meter_values();
  payload["meterValue"][0] = "x";
  e = request_error("MeterValues", payload);
  CHECK(e.code() == ErrorCode::TypeConstraintViolation);
  CHECK(e.description() == "meterValue[0]: expected an object");

  CHECK(request_error("ChangeAvailability", json{{"connectorId", true}, {"type", "Operative"}}).code() ==
        ErrorCode::TypeConstraintViolation);
  CHECK_THROWS_AS(json::parse(R"({"key": "K", "readonly": "true"})").get<KeyValue>(), CallError);
}

TEST_CASE("CiString longer than its maximum -> PropertyConstraintViolation") {
  CHECK_NOTHROW(validate_request("Authorize", json{{"idTag", std::string(20, 'A')}}));
  auto e = request_error("Authorize", json{{"idTag", std::string(21, 'A')}});
  CHECK(e.code() == ErrorCode::PropertyConstraintViolation);
  CHECK(e.description() == "idTag: 'AAAAAAAAAAAAAAAAAAAAA' is longer than 20 characters");

  // Length counts characters, not bytes: 20 two-byte characters fit a CiString20.
  std::string twenty_e;
  for (int i = 0; i < 20; ++i) twenty_e += "\xC3\xA9";
  CHECK_NOTHROW(validate_request("Authorize", json{{"idTag", twenty_e}}));
  CHECK(request_error("Authorize", json{{"idTag", twenty_e + "x"}}).code() == ErrorCode::PropertyConstraintViolation);

  // A huge value is quoted shortened in the description.
  e = request_error("Authorize", json{{"idTag", std::string(100000, 'B')}});
  CHECK(e.description().size() < 200);
}

TEST_CASE("enum value not allowed -> PropertyConstraintViolation with the path") {
  auto payload = meter_values();
  payload["meterValue"][0]["sampledValue"][1]["measurand"] = "Foo";
  auto e = request_error("MeterValues", payload);
  CHECK(e.code() == ErrorCode::PropertyConstraintViolation);
  CHECK(e.description() == "meterValue[0].sampledValue[1].measurand: 'Foo' is not a valid Measurand");

  e = request_error("StatusNotification", json{{"connectorId", 1}, {"errorCode", "NoError"}, {"status", "available"}});
  CHECK(e.code() == ErrorCode::PropertyConstraintViolation);
  CHECK(e.description() == "status: 'available' is not a valid ChargePointStatus");
}

TEST_CASE("invalid date-time -> PropertyConstraintViolation") {
  for (auto bad : {"", "yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-05-01 25:00"}) {
    CAPTURE(bad);
    auto e = request_error("StopTransaction", json{{"transactionId", 1}, {"meterStop", 1}, {"timestamp", bad}});
    CHECK(e.code() == ErrorCode::PropertyConstraintViolation);
  }
  // Offsets and a missing zone are accepted (common in the field).
  CHECK_NOTHROW(validate_request(
      "StopTransaction", json{{"transactionId", 1}, {"meterStop", 1}, {"timestamp", "2024-05-01T10:00:00+01:00"}}));
  CHECK_NOTHROW(validate_request("StopTransaction",
                                 json{{"transactionId", 1}, {"meterStop", 1}, {"timestamp", "2024-05-01T10:00:00"}}));
}

TEST_CASE("integer out of range -> PropertyConstraintViolation") {
  auto e =
      request_error("StatusNotification", json{{"connectorId", -1}, {"errorCode", "NoError"}, {"status", "Available"}});
  CHECK(e.code() == ErrorCode::PropertyConstraintViolation);
  CHECK(e.description() == "connectorId: -1 is below the minimum 0");

  // Larger than a 32-bit integer.
  e = request_error("RemoteStopTransaction", json{{"transactionId", 2147483648LL}});
  CHECK(e.code() == ErrorCode::PropertyConstraintViolation);
  e = request_error("RemoteStopTransaction", json::parse(R"({"transactionId": 99999999999999999999999})"));
  CHECK(e.code() == ErrorCode::PropertyConstraintViolation);
  e = request_error("RemoteStopTransaction", json::parse(R"({"transactionId": 18446744073709551615})"));
  CHECK(e.code() == ErrorCode::PropertyConstraintViolation);

  // meterStart is 64-bit: 5 GWh in Wh fits. An integral float is accepted as an integer.
  json start{{"connectorId", 1.0}, {"idTag", "T"}, {"meterStart", 5000000000LL}, {"timestamp", "2024-05-01T10:00:00Z"}};
  auto parsed = start.get<StartTransactionReq>();
  CHECK(parsed.meterStart == 5000000000LL);
  CHECK(parsed.connectorId == 1);
}

TEST_CASE("array shorter than its minimum -> OccurenceConstraintViolation") {
  auto payload = meter_values();
  payload["meterValue"] = json::array();
  auto e = request_error("MeterValues", payload);
  CHECK(e.code() == ErrorCode::OccurenceConstraintViolation);
  CHECK(e.description() == "meterValue: needs at least 1 item(s), got 0");

  payload = meter_values();
  payload["meterValue"][0]["sampledValue"] = json::array();
  e = request_error("MeterValues", payload);
  CHECK(e.code() == ErrorCode::OccurenceConstraintViolation);
  CHECK(e.description() == "meterValue[0].sampledValue: needs at least 1 item(s), got 0");
}

TEST_CASE("unknown extra properties are ignored, null optionals are absent") {
  auto payload = meter_values();
  payload["vendorExtension"] = json{{"x", 1}};
  payload["meterValue"][0]["sampledValue"][0]["signature"] = "abc";
  CHECK_NOTHROW(validate_request("MeterValues", payload));

  auto stop = json::parse(R"({"transactionId": 3, "meterStop": 10, "timestamp": "2024-05-01T10:00:00Z",
      "idTag": null, "reason": null, "vendorSessionId": "xyz"})")
                  .get<StopTransactionReq>();
  CHECK_FALSE(stop.idTag.has_value());
  CHECK_FALSE(stop.reason.has_value());

  // A required field sent as null is a type error, not an absent field.
  CHECK(request_error("Authorize", json{{"idTag", nullptr}}).code() == ErrorCode::TypeConstraintViolation);
}

TEST_CASE("URI and one-decimal constraints on central-system messages") {
  CHECK(request_error("UpdateFirmware", json{{"location", "not a uri"}, {"retrieveDate", "2024-05-01T10:00:00Z"}})
            .code() == ErrorCode::PropertyConstraintViolation);
  CHECK_NOTHROW(validate_request(
      "UpdateFirmware", json{{"location", "https://fw.example/x.bin"}, {"retrieveDate", "2024-05-01T10:00:00Z"}}));

  auto profile = json::parse(R"({"connectorId": 1, "csChargingProfiles": {"chargingProfileId": 1, "stackLevel": 0,
      "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
      "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.1}]}}})");
  CHECK_NOTHROW(validate_request("SetChargingProfile", profile));
  profile["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] = 16.05;
  auto e = request_error("SetChargingProfile", profile);
  CHECK(e.code() == ErrorCode::PropertyConstraintViolation);
  CHECK(e.description().starts_with("csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit:"));
}

TEST_CASE("registry: unknown actions, directions, responses") {
  CHECK(is_known_action("BootNotification"));
  CHECK_FALSE(is_known_action("bootnotification"));
  CHECK_FALSE(is_known_action("SignCertificate"));  // security extension: not part of 1.6 proper
  auto e = request_error("FooBar", json::object());
  CHECK(e.code() == ErrorCode::NotImplemented);
  CHECK_THROWS_AS(validate_response("FooBar", json::object()), CallError);
  CHECK_THROWS_AS(direction_of("FooBar"), CallError);

  CHECK(direction_of("StopTransaction") == Direction::FromStation);
  CHECK(direction_of("DiagnosticsStatusNotification") == Direction::FromStation);
  CHECK(direction_of("RemoteStartTransaction") == Direction::ToStation);
  CHECK(direction_of("DataTransfer") == Direction::Both);
  CHECK(allowed_from_station("DataTransfer"));
  CHECK(allowed_to_station("DataTransfer"));
  CHECK_FALSE(allowed_from_station("Reset"));
  CHECK_FALSE(allowed_to_station("Heartbeat"));
  CHECK_FALSE(allowed_from_station("Nope"));

  CHECK_NOTHROW(validate_response("Heartbeat", json{{"currentTime", "2024-05-01T10:00:00Z"}}));
  try {
    validate_response("Reset", json{{"status", "Maybe"}});
    FAIL("accepted");
  } catch (const CallError& err) {
    CHECK(err.code() == ErrorCode::PropertyConstraintViolation);
    CHECK(err.description() == "status: 'Maybe' is not a valid ResetStatus");
  }
}
