// OCPP-J frame parser (ocpp::parse_message), as a station's WebSocket text frame reaches it.
// Invariants: only FrameError escapes; a parsed frame serialises to text that parses back to
// the same message; a CALL of a known action is validated with CallError as the only failure.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "ocpp/messages/registry.hpp"
#include "ocpp/rpc.hpp"

using namespace evp::ocpp;
using evp::fuzz::check;

namespace {

void check_round_trip(const Message& message) {
  std::string text = std::visit([](const auto& m) { return serialize(m); }, message);
  Message again = parse_message(text);  // a FrameError here escapes: our own output must parse
  check(again.index() == message.index(), "serialised frame parses as another message type");
  if (const auto* call = std::get_if<Call>(&message)) {
    const auto& b = std::get<Call>(again);
    check(b.message_id == call->message_id && b.action == call->action && b.payload == call->payload,
          "CALL changed in a serialise/parse round trip");
  } else if (const auto* result = std::get_if<CallResult>(&message)) {
    const auto& b = std::get<CallResult>(again);
    check(b.message_id == result->message_id && b.payload == result->payload,
          "CALLRESULT changed in a serialise/parse round trip");
  } else {
    const auto& a = std::get<CallErrorMessage>(message);
    const auto& b = std::get<CallErrorMessage>(again);
    check(b.message_id == a.message_id && b.error_code == a.error_code && b.description == a.description &&
              b.details == a.details,
          "CALLERROR changed in a serialise/parse round trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Message message;
  try {
    message = parse_message(text);
  } catch (const FrameError& e) {
    // What the hub answers with: it must serialise whatever id was read.
    (void)serialize_error(e.message_id(), e.code(), e.what());
    return 0;
  }
  check(!std::holds_alternative<Call>(message) || !std::get<Call>(message).message_id.empty(), "empty message id");
  check_round_trip(message);
  if (const auto* call = std::get_if<Call>(&message); call && is_known_action(call->action)) {
    try {
      validate_request(call->action, call->payload);
    } catch (const CallError& e) {
      (void)serialize_error(call->message_id, e.code(), e.description(), e.details());
    }
  }
  return 0;
}
