#include "ocpp/rpc.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace evp::ocpp;
using nlohmann::json;

namespace {

// Parses a frame that must fail; returns the FrameError for inspection.
FrameError frame_error(std::string_view text) {
  try {
    parse_message(text);
  } catch (const FrameError& e) {
    return e;
  }
  FAIL("frame was accepted: ", std::string(text));
  return FrameError("", ErrorCode::GenericError, "", false);
}

}  // namespace

TEST_CASE("parse_message: well-formed CALL, CALLRESULT and CALLERROR") {
  auto call = std::get<Call>(parse_message(R"([2, "19223201", "BootNotification", {"chargePointVendor": "VendorX",
      "chargePointModel": "SingleSocketCharger"}])"));
  CHECK(call.message_id == "19223201");
  CHECK(call.action == "BootNotification");
  CHECK(call.payload["chargePointModel"] == "SingleSocketCharger");

  auto result = std::get<CallResult>(parse_message(R"([3, "19223201", {"status": "Accepted",
      "currentTime": "2013-02-01T20:53:32.486Z", "interval": 300}])"));
  CHECK(result.message_id == "19223201");
  CHECK(result.payload["interval"] == 300);

  auto error = std::get<CallErrorMessage>(
      parse_message(R"([4, "162376037", "NotSupported", "SetDisplayMessageRequest not implemented", {}])"));
  CHECK(error.message_id == "162376037");
  CHECK(error.error_code == "NotSupported");
  CHECK(error.description == "SetDisplayMessageRequest not implemented");
  CHECK(error.details == json::object());

  // Lenient: a CALLERROR without details is accepted with empty details.
  auto short_error = std::get<CallErrorMessage>(parse_message(R"([4, "1", "GenericError", "x"])"));
  CHECK(short_error.details == json::object());
}

TEST_CASE("parse_message: not JSON, not an array, wrong element types -> FormationViolation") {
  for (auto text : {"", "not json", "[2, \"1\", \"Heartbeat\", {}", "{\"a\": 1}", "[]", "42", "\"text\"",
                    R"(["2", "1", "Heartbeat", {}])", R"([2.0, "1", "Heartbeat", {}])",
                    R"([null, "1", "Heartbeat", {}])", R"([[2, "1", "Heartbeat", {}]])"}) {
    CAPTURE(text);
    auto e = frame_error(text);
    CHECK(e.code() == ErrorCode::FormationViolation);
    CHECK(e.message_id() == "-1");
    CHECK(e.was_call());
  }
}

TEST_CASE("parse_message: message id must be a string of at most 36 characters") {
  auto e = frame_error(R"([2, 123, "Heartbeat", {}])");
  CHECK(e.code() == ErrorCode::FormationViolation);
  CHECK(e.message_id() == "-1");
  CHECK(e.was_call());

  e = frame_error(R"([2])");
  CHECK(e.code() == ErrorCode::FormationViolation);
  CHECK(e.message_id() == "-1");

  e = frame_error(R"([2, "", "Heartbeat", {}])");
  CHECK(e.code() == ErrorCode::FormationViolation);

  std::string id36(36, 'a');
  auto call = std::get<Call>(parse_message(R"([2, ")" + id36 + R"(", "Heartbeat", {}])"));
  CHECK(call.message_id == id36);

  std::string id37(37, 'a');
  e = frame_error(R"([2, ")" + id37 + R"(", "Heartbeat", {}])");
  CHECK(e.code() == ErrorCode::FormationViolation);
  CHECK(e.message_id() == id37);  // echoed so the peer can correlate
  CHECK(e.was_call());

  // A broken id on a CALLRESULT is not answered.
  e = frame_error(R"([3, 7, {}])");
  CHECK_FALSE(e.was_call());
}

TEST_CASE("parse_message: CALL with missing elements -> ProtocolError") {
  auto e = frame_error(R"([2, "abc"])");
  CHECK(e.code() == ErrorCode::ProtocolError);
  CHECK(e.message_id() == "abc");
  CHECK(e.was_call());
  e = frame_error(R"([2, "abc", "Heartbeat"])");
  CHECK(e.code() == ErrorCode::ProtocolError);
  CHECK(e.message_id() == "abc");
}

TEST_CASE("parse_message: CALL element types") {
  auto e = frame_error(R"([2, "abc", 5, {}])");
  CHECK(e.code() == ErrorCode::FormationViolation);
  CHECK(e.message_id() == "abc");

  e = frame_error(R"([2, "abc", "Heartbeat", []])");
  CHECK(e.code() == ErrorCode::TypeConstraintViolation);
  e = frame_error(R"([2, "abc", "Heartbeat", "payload"])");
  CHECK(e.code() == ErrorCode::TypeConstraintViolation);

  e = frame_error(R"([2, "abc", "Heartbeat", {}, {}])");
  CHECK(e.code() == ErrorCode::FormationViolation);
  CHECK(e.was_call());
}

TEST_CASE("parse_message: unknown message type id is answered") {
  for (auto text : {R"([5, "abc", "Heartbeat", {}])", R"([0, "abc"])", R"([-3, "abc", {}])",
                    R"([18446744073709551615, "abc", {}])"}) {
    CAPTURE(text);
    auto e = frame_error(text);
    CHECK(e.code() == ErrorCode::FormationViolation);
    CHECK(e.message_id() == "abc");
    CHECK(e.was_call());
  }
}

TEST_CASE("parse_message: broken CALLRESULT / CALLERROR are not answered") {
  for (auto text : {R"([3, "abc"])", R"([3, "abc", {}, {}])", R"([3, "abc", [1]])", R"([4, "abc", "GenericError"])",
                    R"([4, "abc", 1, "d", {}])", R"([4, "abc", "GenericError", "d", []])",
                    R"([4, "abc", "GenericError", "d", {}, 1])"}) {
    CAPTURE(text);
    auto e = frame_error(text);
    CHECK_FALSE(e.was_call());
    CHECK(e.message_id() == "abc");
  }
}

TEST_CASE("parse_message: nested arrays and huge numbers in the payload survive") {
  auto call = std::get<Call>(parse_message(
      R"([2, "n", "DataTransfer", {"vendorId": "v", "deep": [[[[[1, [2, [3]]]]]]], "big": 99999999999999999999999,
          "u64": 18446744073709551615, "neg": -9223372036854775808}])"));
  CHECK(call.payload["deep"][0][0][0][0][1][1][0] == 3);
  CHECK(call.payload["big"].is_number_float());
  CHECK(call.payload["u64"].get<std::uint64_t>() == 18446744073709551615ull);
  CHECK(call.payload["neg"].get<std::int64_t>() == INT64_MIN);

  // A number too large for a double is not valid JSON for our parser.
  auto e = frame_error(R"([2, "n", "DataTransfer", {"x": 1e400}])");
  CHECK(e.code() == ErrorCode::FormationViolation);
}

TEST_CASE("serialize round-trips through parse_message") {
  Call call{"id-1", "Heartbeat", json::object()};
  auto text = serialize(call);
  CHECK(text == R"([2,"id-1","Heartbeat",{}])");
  auto back = std::get<Call>(parse_message(text));
  CHECK(back.message_id == "id-1");
  CHECK(back.action == "Heartbeat");

  CallResult result{"id-2", json{{"currentTime", "2024-01-01T00:00:00.000Z"}}};
  CHECK(serialize(result) == R"([3,"id-2",{"currentTime":"2024-01-01T00:00:00.000Z"}])");

  CHECK(serialize_error("id-3", ErrorCode::OccurenceConstraintViolation, "idTag: required field is missing") ==
        R"([4,"id-3","OccurenceConstraintViolation","idTag: required field is missing",{}])");
  // details that are not an object would make an invalid frame; they are replaced by {}.
  CHECK(serialize_error("-1", ErrorCode::FormationViolation, "x", json::array()) ==
        R"([4,"-1","FormationViolation","x",{}])");

  CallErrorMessage error{"id-4", "SomethingNonStandard", "d", json{{"k", 1}}};
  auto parsed = std::get<CallErrorMessage>(parse_message(serialize(error)));
  CHECK(parsed.error_code == "SomethingNonStandard");
  CHECK(parsed.details == json{{"k", 1}});

  // Invalid UTF-8 in a description must not throw.
  CHECK_NOTHROW(serialize_error("x", ErrorCode::GenericError, std::string("bad \xff byte")));
}

TEST_CASE("error code strings") {
  for (int i = 0; i <= static_cast<int>(ErrorCode::GenericError); ++i) {
    auto code = static_cast<ErrorCode>(i);
    CHECK(error_code_from_string(to_string(code)) == code);
  }
  CHECK(to_string(ErrorCode::OccurenceConstraintViolation) == "OccurenceConstraintViolation");
  CHECK(to_string(ErrorCode::FormationViolation) == "FormationViolation");
  CHECK(error_code_from_string("OccurrenceConstraintViolation") == ErrorCode::OccurenceConstraintViolation);
  CHECK_FALSE(error_code_from_string("formationviolation").has_value());
}
